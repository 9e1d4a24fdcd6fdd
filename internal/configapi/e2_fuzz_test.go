package configapi_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sieproject/sie/internal/configapi"
)

// FuzzWriteOptions: any dry_run value and any If-Match / If-None-Match
// header on a PUT or DELETE answers without a 5xx, and a dry run or a
// refusal leaves the epoch where it was.
func FuzzWriteOptions(f *testing.F) {
	for _, s := range [][3]string{
		{"true", `"abc"`, "*"}, {"1", "*", ""}, {"yes", "", ""}, {"", `W/"x", "y"`, `"z"`},
		{"false", ",,", " , *"}, {"0", `"` + strings.Repeat("a", 40), "W/"}, {"TRUE", "\x00", "\xff"},
	} {
		f.Add(s[0], s[1], s[2], true)
	}
	e := newEnv(f, options{models: seedOnly()})
	f.Fuzz(func(t *testing.T, dryRun, ifMatch, ifNoneMatch string, put bool) {
		before := e.svc.Epoch()
		method, body := "DELETE", ""
		if put {
			method, body = "PUT", seedTestModel
		}
		req := httptest.NewRequest(method, "/v1/configs/models/test/model?dry_run="+url.QueryEscape(dryRun), strings.NewReader(body))
		req.Header.Set("If-Match", ifMatch)
		req.Header.Set("If-None-Match", ifNoneMatch)
		rec := httptest.NewRecorder()
		e.api.ServeHTTP(rec, req)
		checkNo5xx(t, rec, []byte(body))
		if (rec.Code >= 400 || strings.Contains(rec.Body.String(), `"dry_run":true`)) && e.svc.Epoch() != before {
			t.Fatalf("%d %s moved the epoch", rec.Code, rec.Body.String())
		}
	})
}

// FuzzEpochLongPoll: any after/wait query answers at once or after at most
// the (short) wait, never with a 5xx.
func FuzzEpochLongPoll(f *testing.F) {
	for _, s := range [][2]string{{"0", "1ms"}, {"-1", "0"}, {"x", "1s"}, {"9223372036854775807", "0.001"}, {"", ""}, {"1", "-5s"}, {"1", "1e400"}} {
		f.Add(s[0], s[1])
	}
	e := newEnv(f, options{})
	f.Fuzz(func(t *testing.T, after, wait string) {
		if d, err := configapi.ParseWait(wait); err == nil && d > 50*time.Millisecond {
			return // a real wait: covered by TestEpochLongPoll, too slow here
		}
		rec := e.serve("GET", "/v1/configs/epoch?after="+url.QueryEscape(after)+"&wait="+url.QueryEscape(wait), nil)
		checkNo5xx(t, rec, nil)
	})
}
