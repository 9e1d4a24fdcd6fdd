package httplimits

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestServerDefaultsAndOverrides(t *testing.T) {
	s := Limits{}.Server(http.NotFoundHandler())
	if s.ReadHeaderTimeout != 10*time.Second || s.ReadTimeout != 60*time.Second || s.IdleTimeout != 120*time.Second ||
		s.MaxHeaderBytes != 64<<10 || s.WriteTimeout != 0 {
		t.Fatalf("%+v", s)
	}
	s = Limits{ReadHeaderTimeout: time.Second, IdleTimeout: 2 * time.Second}.Server(nil)
	if s.ReadHeaderTimeout != time.Second || s.IdleTimeout != 2*time.Second || s.ReadTimeout != 60*time.Second {
		t.Fatalf("%+v", s)
	}
}

func TestDontDrain(t *testing.T) {
	w := httptest.NewRecorder()
	DontDrain(w, httptest.NewRequest("GET", "/", nil))
	if w.Header().Get("Connection") != "" {
		t.Fatal("a request without a body keeps its connection")
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.ContentLength = 10
	DontDrain(w, r)
	if w.Header().Get("Connection") != "close" {
		t.Fatal("a refused request with a body must close")
	}
}
