package configapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/sieproject/sie/internal/canonjson"
	"github.com/sieproject/sie/internal/controlplane"
	"github.com/sieproject/sie/internal/doc"
	"github.com/sieproject/sie/internal/idempotency"
	"github.com/sieproject/sie/internal/workerview"
)

// writeRequest carries what every write handler needs after the common
// prelude (auth, registry, NATS gate, size, idempotency).
type writeRequest struct {
	start  time.Time
	token  string
	body   []byte
	ticket *idempotency.Ticket // nil without an Idempotency-Key
	opts   controlplane.WriteOptions
}

// executeFunc runs the write and returns the status and response body.
type executeFunc func(ctx context.Context, wr *writeRequest) (int, *doc.Map, string, error)

// handleWrite runs the shared prelude of POST/PUT/DELETE (sie-config.md
// §3.6 steps 2–5; the route checked the write auth, step 1), then exec,
// then caches, audits and replies. A dry run skips the NATS gate and the
// idempotency cache: it changes nothing, so there is nothing to distribute
// or to replay.
func (s *Server) handleWrite(w http.ResponseWriter, r *http.Request, event string, exec executeFunc) error {
	wr := &writeRequest{start: time.Now(), token: bearer(r)}
	opts, err := writeOptions(r)
	if err != nil {
		return err
	}
	opts.TokenID = tokenID(wr.token)
	wr.opts = opts
	if _, err := s.registry(); err != nil {
		return err
	}
	if !opts.DryRun && s.svc.NATSConfigured() && !s.svc.NATSConnected() {
		return errNATSUnavailable
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	wr.body = body
	key := r.Header.Get("Idempotency-Key")
	if len(key) > idempotency.MaxKeyBytes {
		return errIdempotencyKeyTooLong
	}
	if key != "" && !opts.DryRun {
		fp := idempotency.FingerprintOf(r.Method, fingerprintTarget(r), body)
		d, err := s.idem.Acquire(r.Context(), key, fp)
		if err != nil {
			return detailError(http.StatusRequestTimeout, "Client went away while waiting for a concurrent request with the same Idempotency-Key")
		}
		switch d.Kind {
		case idempotency.Replay:
			s.svc.Republish() // a retry announces a change whose publish failed
			writeBody(w, d.Status, contentJSON, d.Body)
			return nil
		case idempotency.Mismatch:
			return errIdempotencyReuse
		case idempotency.Evicted:
			writeJSON(w, http.StatusOK, doc.NewMap(
				doc.Entry{Key: "error", Value: "idempotent_replay_evicted"},
				doc.Entry{Key: "idempotency_key", Value: key},
				msg("A prior request with this Idempotency-Key completed successfully, but its cached response was evicted. The write was applied exactly once; query GET /v1/configs/models/{id} to see the current state."),
			))
			return nil
		}
		wr.ticket = d.Ticket
		// Whatever happens below (even a panic), waiters must be released.
		defer wr.ticket.Complete(http.StatusInternalServerError, nil)
	}
	status, resp, model, err := exec(r.Context(), wr)
	if err != nil {
		if wr.ticket != nil {
			wr.ticket.Complete(toHTTP(err).status, nil)
		}
		return err
	}
	out := canonjson.Ordered(resp)
	if wr.ticket != nil {
		wr.ticket.Complete(status, out)
	}
	s.auditWrite(event, r, wr, status, model)
	writeBody(w, status, contentJSON, out)
	return nil
}

func (s *Server) postModel(w http.ResponseWriter, r *http.Request, _ string) error {
	return s.handleWrite(w, r, "config.add_model", func(ctx context.Context, wr *writeRequest) (int, *doc.Map, string, error) {
		res, err := s.svc.Append(ctx, wr.body, wr.opts)
		if err != nil {
			return 0, nil, "", err
		}
		routable := doc.NewMap()
		for _, p := range res.Created {
			routable.Set(p, nonNil(res.Bundles))
		}
		status := http.StatusOK
		if len(res.Created) > 0 {
			status = http.StatusCreated
		}
		return status, withDryRun(doc.NewMap(
			doc.Entry{Key: "model_id", Value: res.ModelID},
			doc.Entry{Key: "created_profiles", Value: res.Created},
			doc.Entry{Key: "existing_profiles_skipped", Value: res.Skipped},
			doc.Entry{Key: "warnings", Value: res.Warnings},
			doc.Entry{Key: "routable_bundles_by_profile", Value: routable},
			doc.Entry{Key: "router_id", Value: s.svc.RouterID()},
			doc.Entry{Key: "epoch", Value: res.Epoch},
			workerViewEntry(res.View),
		), wr.opts, res.BundleHashes), res.ModelID, nil
	})
}

func (s *Server) putModel(w http.ResponseWriter, r *http.Request, pathID string) error {
	return s.handleWrite(w, r, "config.replace_model", func(ctx context.Context, wr *writeRequest) (int, *doc.Map, string, error) {
		res, err := s.svc.Replace(ctx, pathID, wr.body, wr.opts)
		if err != nil {
			return 0, nil, "", err
		}
		status, body := s.replaceAnswer(res, wr.opts)
		return status, body, res.ModelID, nil
	})
}

// replaceAnswer is the status and body of a PUT (and of a rollback that
// restored a document).
func (s *Server) replaceAnswer(res *controlplane.ReplaceResult, opts controlplane.WriteOptions) (int, *doc.Map) {
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return status, withDryRun(doc.NewMap(
		doc.Entry{Key: "model_id", Value: res.ModelID},
		doc.Entry{Key: "created", Value: res.Created},
		doc.Entry{Key: "replaced", Value: res.Replaced},
		doc.Entry{Key: "unchanged", Value: res.Unchanged},
		doc.Entry{Key: "affected_bundles", Value: nonNil(res.Bundles)},
		doc.Entry{Key: "warnings", Value: res.Warnings},
		doc.Entry{Key: "router_id", Value: s.svc.RouterID()},
		doc.Entry{Key: "epoch", Value: res.Epoch},
		workerViewEntry(res.View),
	), opts, res.BundleHashes)
}

func (s *Server) deleteModel(w http.ResponseWriter, r *http.Request, pathID string) error {
	return s.handleWrite(w, r, "config.delete_model", func(ctx context.Context, wr *writeRequest) (int, *doc.Map, string, error) {
		res, err := s.svc.Delete(ctx, pathID, wr.opts)
		if err != nil {
			return 0, nil, "", err
		}
		return http.StatusOK, s.deleteAnswer(res, wr.opts), pathID, nil
	})
}

// deleteAnswer is the body of a DELETE (and of a rollback that removed the
// document).
func (s *Server) deleteAnswer(res *controlplane.DeleteResult, opts controlplane.WriteOptions) *doc.Map {
	var fallback any
	if res.Fallback != nil {
		fallback = *res.Fallback
	}
	body := doc.NewMap(
		doc.Entry{Key: "model_id", Value: res.ModelID},
		doc.Entry{Key: "deleted", Value: res.Deleted},
		doc.Entry{Key: "unchanged", Value: res.Unchanged},
		doc.Entry{Key: "fallback", Value: fallback},
		doc.Entry{Key: "affected_bundles", Value: nonNil(res.Bundles)},
		doc.Entry{Key: "warnings", Value: res.Warnings},
		doc.Entry{Key: "router_id", Value: s.svc.RouterID()},
		doc.Entry{Key: "epoch", Value: res.Epoch},
	)
	if res.View != nil { // a removed model has no worker view
		body.Set(workerViewEntry(res.View).Key, workerViewEntry(res.View).Value)
	}
	return withDryRun(body, opts, res.BundleHashes)
}

// workerViewEntry is the "worker_view" key of a write answer (extensions
// E1): {"form", "reasons"}.
func workerViewEntry(v *workerview.View) doc.Entry {
	return doc.Entry{Key: "worker_view", Value: doc.NewMap(
		doc.Entry{Key: "form", Value: v.Form},
		doc.Entry{Key: "reasons", Value: v.Reasons},
	)}
}

// tokenID names a caller in the audit log and in model history without
// revealing its token: the first 12 hex digits of the token's SHA-256; ""
// without a token.
func tokenID(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])[:12]
}

// auditWrite emits the one audit line of an executed write.
func (s *Server) auditWrite(event string, r *http.Request, wr *writeRequest, status int, model string) {
	if s.audit == nil {
		return
	}
	line := doc.NewMap(
		doc.Entry{Key: "event", Value: event},
		doc.Entry{Key: "method", Value: r.Method},
		doc.Entry{Key: "endpoint", Value: r.URL.Path},
		doc.Entry{Key: "status", Value: int64(status)},
	)
	if wr.token != "" {
		line.Set("token_id", tokenID(wr.token))
	}
	if model != "" {
		line.Set("model", model)
	}
	ms := float64(time.Since(wr.start).Microseconds()) / 1000
	latency, _ := strconv.ParseFloat(strconv.FormatFloat(ms, 'f', 2, 64), 64)
	line.Set("latency_ms", latency)
	line.Set("body_bytes", int64(len(wr.body)))
	if wr.opts.DryRun {
		line.Set("dry_run", true)
	}
	s.audit.Info(string(canonjson.Ordered(line)))
}
