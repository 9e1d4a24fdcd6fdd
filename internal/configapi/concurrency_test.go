package configapi_test

// Concurrency (sie-config.md §10.2): upstream #48, #49, #158, #159.

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func modelBody(id string) string {
	return "sie_id: " + id + "\nprofiles:\n  default:\n    adapter_path: sie_server.adapters.bert_flash:B\n"
}

// TestConcurrentWritesSerialize covers upstream #48 and #158: 10
// concurrent creating POSTs → all 201, epoch 10, every epoch used once,
// payloads published in epoch order, every model resolvable.
func TestConcurrentWritesSerialize(t *testing.T) {
	pub := newFakePub()
	e := newEnv(t, options{store: true, pub: pub, routerID: "r"})
	var wg sync.WaitGroup
	results := make([]response, 10)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = doURL(t, "POST", e.srv.URL+"/v1/configs/models", modelBody(fmt.Sprintf("conc/m%d", i)))
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, r := range results {
		expectStatus(t, r, 201)
		ep := r.body[strings.LastIndex(r.body, `"epoch":`):]
		if seen[ep] {
			t.Fatalf("epoch reused: %s", ep)
		}
		seen[ep] = true
	}
	if e.epoch() != 10 || e.storeFile("epoch") != "10" {
		t.Fatalf("epoch %d, stored %q", e.epoch(), e.storeFile("epoch"))
	}
	// Messages leave in epoch order: 1, 1, 2, 2, …
	for i, m := range pub.messages() {
		if want := fmt.Sprintf(`"epoch":%d,`, i/2+1); !strings.Contains(m.data, want) {
			t.Fatalf("publish %d carries %s, want %s", i, m.data, want)
		}
	}
	for i := range 10 {
		expectContains(t, e.resolve(fmt.Sprintf(`{"model":"conc/m%d"}`, i)), 200, `"resolved_bundle":"default"`)
	}
}

// TestExportConsistentUnderWrites covers upstream #49: exports interleaved
// with writes always describe one state (epoch and models together).
func TestExportConsistentUnderWrites(t *testing.T) {
	e := newEnv(t, options{models: seedOnly(), store: true})
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doURL(t, "POST", e.srv.URL+"/v1/configs/models", modelBody(fmt.Sprintf("exp/m%d", i)))
		}()
	}
	type snapshot struct {
		Epoch  int64 `json:"epoch"`
		Models []struct {
			ModelID string `json:"model_id"`
		} `json:"models"`
	}
	check := func(r response) snapshot {
		var s snapshot
		expectStatus(t, r, 200)
		must(t, json.Unmarshal([]byte(r.body), &s))
		// Every write adds one model: models = seed + epoch, exactly.
		if int64(len(s.Models)) != 1+s.Epoch {
			t.Errorf("export at epoch %d has %d models", s.Epoch, len(s.Models))
		}
		return s
	}
	for range 2 {
		wg.Add(10)
		for range 10 {
			go func() {
				defer wg.Done()
				check(doURL(t, "GET", e.srv.URL+"/v1/configs/export", ""))
			}()
		}
	}
	wg.Wait()
	final := check(e.get("/v1/configs/export"))
	if final.Epoch != 10 || len(final.Models) != 11 {
		t.Fatalf("final export: epoch %d, %d models", final.Epoch, len(final.Models))
	}
}

// TestConcurrentReadersSeeConsistentSnapshots covers upstream #159 (and
// #125): while 50 writers add models, every model a reader lists can be
// read back, also through a lower-cased id.
func TestConcurrentReadersSeeConsistentSnapshots(t *testing.T) {
	e := newEnv(t, options{})
	var writers, readers sync.WaitGroup
	done := make(chan struct{})
	for i := range 50 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := doURL(t, "POST", e.srv.URL+"/v1/configs/models", modelBody(fmt.Sprintf("Rw/M%02d", i)))
			if r.status != 201 {
				t.Errorf("writer %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				var list struct {
					Models []struct {
						ModelID string `json:"model_id"`
					} `json:"models"`
				}
				r := doURL(t, "GET", e.srv.URL+"/v1/configs/models", "")
				must(t, json.Unmarshal([]byte(r.body), &list))
				for _, m := range list.Models {
					got := doURL(t, "GET", e.srv.URL+"/v1/configs/models/"+strings.ToLower(m.ModelID), "")
					if got.status != 200 || !strings.Contains(got.body, m.ModelID) {
						t.Errorf("listed %s but GET answered %d", m.ModelID, got.status)
					}
				}
			}
		}()
	}
	writers.Wait()
	close(done)
	readers.Wait()
	if e.epoch() != 50 {
		t.Fatalf("epoch %d", e.epoch())
	}
}
