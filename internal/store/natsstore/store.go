package natsstore

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sieproject/sie/internal/bus"
	"github.com/sieproject/sie/internal/store"
)

// EnvReplicas is the variable holding the stream's replica count.
const EnvReplicas = store.EnvReplicas

// MaxReplicas is JetStream's largest replica count.
const MaxReplicas = store.MaxReplicas

// Options configures a store.
type Options struct {
	URL         string // SIE_NATS_URL
	Credentials bus.Credentials
	// Replicas is the stream's replica count when this store creates it
	// (1 when zero).
	Replicas int
	Logger   *slog.Logger
	// OpTimeout bounds each JetStream request (5 s when zero).
	OpTimeout time.Duration
}

// ParseReplicas reads SIE_CONFIG_STORE_REPLICAS (store.ParseReplicas).
func ParseReplicas(v string) (int, error) { return store.ParseReplicas(v) }

// errNotConnected is every operation's error while the NATS connection is
// down (it reconnects in the background).
var errNotConnected = errors.New("store: NATS is not connected")

var bucketName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Store is a config store in one JetStream stream. It is safe for
// concurrent use.
//
// Layout: the stream SIE_CONFIG_<bucket> holds the subjects
// sie.store.<bucket>.epoch (bare epoch writes), .generation, and
// .models.<base64url(file name)>, one message per write. A message on a
// model subject is the document after the write; a deletion is an empty
// message with the header Sie-Deleted. Records of the replica write path
// (Commit) carry the epoch and the change's metadata as headers, so one
// message is both the new document and the new epoch. Nothing is ever
// removed: the stream is the full history.
type Store struct {
	bucket  string
	prefix  string
	name    string
	nc      *nats.Conn
	js      jetstream.JetStream
	opts    Options
	log     *slog.Logger
	timeout time.Duration

	mu     sync.Mutex // guards stream, epochRev and committed
	stream jetstream.Stream
	// epochRev is the epoch subject's last sequence when this instance
	// last read or wrote it: the condition of the next WriteEpoch.
	epochRev uint64
	// committed maps the epochs this instance committed recently to their
	// model, so AppendHistory does not record them a second time.
	committed map[int64]string
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Journal   = (*Store)(nil)
	_ store.Historian = (*Store)(nil)
)

// Message headers of the records.
const (
	hdrEpoch   = "Sie-Epoch"
	hdrModel   = "Sie-Model-Id"
	hdrOp      = "Sie-Op"
	hdrAt      = "Sie-At"
	hdrToken   = "Sie-Token-Id"
	hdrDeleted = "Sie-Deleted"
)

// Open connects to NATS (in the background: an unreachable server makes
// the operations fail until it answers, it does not fail Open) for the
// stream of loc's bucket. The stream is created on first use.
func Open(loc store.Location, opts Options) (*Store, error) {
	if loc.Scheme != Scheme {
		return nil, fmt.Errorf("natsstore: not a nats:// location: %s", loc)
	}
	if !bucketName.MatchString(loc.Bucket) || loc.Prefix != "" {
		return nil, fmt.Errorf("store: nats://%s: the bucket name must be 1-64 letters, digits, '-' or '_', with no path after it", loc.Bucket+slashPrefix(loc.Prefix))
	}
	if opts.URL == "" {
		return nil, errors.New("store: a nats:// store needs SIE_NATS_URL")
	}
	if opts.Replicas == 0 {
		opts.Replicas = 1
	}
	if opts.Replicas < 1 || opts.Replicas > MaxReplicas {
		return nil, fmt.Errorf("%s must be from 1 to %d", EnvReplicas, MaxReplicas)
	}
	creds, err := opts.Credentials.Options()
	if err != nil {
		return nil, err
	}
	s := &Store{bucket: loc.Bucket, prefix: "sie.store." + loc.Bucket, name: "SIE_CONFIG_" + loc.Bucket,
		opts: opts, log: store.Logger(opts.Logger), timeout: opts.OpTimeout, committed: map[int64]string{}}
	if s.timeout <= 0 {
		s.timeout = 5 * time.Second
	}
	nc, err := nats.Connect(opts.URL, append([]nats.Option{
		nats.Name("sie-config store " + loc.Bucket),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.Timeout(2 * time.Second),
	}, creds...)...)
	if err != nil {
		return nil, fmt.Errorf("store: nats://%s: %w", loc.Bucket, err)
	}
	s.nc = nc
	if s.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	return s, nil
}

func slashPrefix(p string) string {
	if p == "" {
		return ""
	}
	return "/" + p
}

// StreamName is the name of the stream holding bucket.
func StreamName(bucket string) string { return "SIE_CONFIG_" + bucket }

// ObjectSubject is the subject holding the object rel ("epoch",
// "generation", "models/<name>", or anything else) of bucket.
func ObjectSubject(bucket, rel string) string {
	p := "sie.store." + bucket
	switch {
	case rel == store.EpochName:
		return p + ".epoch"
	case rel == store.GenerationName:
		return p + ".generation"
	}
	if name, ok := strings.CutPrefix(rel, store.ModelsDir+"/"); ok && name != "" && !strings.Contains(name, "/") {
		return p + ".models." + base64.RawURLEncoding.EncodeToString([]byte(name))
	}
	return p + ".other." + base64.RawURLEncoding.EncodeToString([]byte(rel))
}

func (s *Store) modelSubject(name string) string {
	return ObjectSubject(s.bucket, store.ModelsDir+"/"+name)
}

// nameOfSubject returns the model file name a model subject encodes.
func (s *Store) nameOfSubject(subject string) (string, bool) {
	enc, ok := strings.CutPrefix(subject, s.prefix+".models.")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func (s *Store) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, s.timeout)
}

// ensure returns the stream, creating it on first use.
func (s *Store) ensure(ctx context.Context) (jetstream.Stream, error) {
	// Fail at once while NATS is away rather than after the request
	// timeout: sie-config's startup and readiness must not hang on it.
	if !s.nc.IsConnected() {
		return nil, errNotConnected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream != nil {
		return s.stream, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	st, err := s.js.Stream(ctx, s.name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		st, err = s.js.CreateStream(ctx, jetstream.StreamConfig{
			Name:        s.name,
			Description: "sie-config store: epoch, API documents and every change to them",
			Subjects:    []string{s.prefix + ".>"},
			Storage:     jetstream.FileStorage,
			Replicas:    s.opts.Replicas,
			Retention:   jetstream.LimitsPolicy,
			MaxMsgs:     -1,
			MaxBytes:    -1,
			// Nothing is ever dropped: a full stream refuses writes.
			Discard:     jetstream.DiscardNew,
			DenyDelete:  true,
			DenyPurge:   true,
			AllowDirect: true,
			Duplicates:  2 * time.Minute,
		})
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			st, err = s.js.Stream(ctx, s.name)
		} else if err == nil {
			s.log.Info("config store: created JetStream stream", "stream", s.name, "replicas", s.opts.Replicas)
		}
	}
	if err != nil {
		return nil, err
	}
	s.stream = st
	return st, nil
}

// last returns the last message on subject, or nil when there is none.
func (s *Store) last(ctx context.Context, subject string) (*jetstream.RawStreamMsg, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	m, err := st.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	return m, err
}

func (s *Store) publish(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	if _, err := s.ensure(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return s.js.PublishMsg(ctx, msg, opts...)
}

// isWrongLast reports a failed expected-last-sequence condition.
func isWrongLast(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// ReadEpoch returns the epoch of the newest record that carries one: a bare
// epoch write or a committed change.
func (s *Store) ReadEpoch(ctx context.Context) (int64, error) {
	m, err := s.last(ctx, s.prefix+".epoch")
	if err != nil {
		return 0, err
	}
	var bare int64
	var floor uint64
	if m != nil {
		bare, floor = store.ParseEpoch(m.Data, s.Describe(), s.log), m.Sequence
	}
	s.mu.Lock()
	s.epochRev = floor
	s.mu.Unlock()
	recs, err := s.newestEpochRecord(ctx, floor)
	if err != nil {
		return 0, err
	}
	if recs != nil {
		return recs.Epoch, nil
	}
	return bare, nil
}

// newestEpochRecord scans back from the end of the stream to just above
// floor for a committed change and returns it, or nil.
func (s *Store) newestEpochRecord(ctx context.Context, floor uint64) (*store.Record, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return nil, err
	}
	last, err := s.lastSeq(ctx)
	if err != nil {
		return nil, err
	}
	for seq := last; seq > floor; seq-- {
		m, err := s.getMsg(ctx, st, seq)
		if err != nil {
			return nil, err
		}
		if m == nil {
			continue
		}
		if r, ok := s.record(m); ok && r.HasEpoch {
			return &r, nil
		}
	}
	return nil, nil
}

func (s *Store) lastSeq(ctx context.Context) (uint64, error) {
	st, err := s.ensure(ctx)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.LastSeq, nil
}

func (s *Store) getMsg(ctx context.Context, st jetstream.Stream, seq uint64) (*jetstream.RawStreamMsg, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	m, err := st.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	return m, err
}

// WriteEpoch stores a bare epoch on condition that the epoch subject is
// unchanged since this instance last read or wrote it.
func (s *Store) WriteEpoch(ctx context.Context, epoch int64) error {
	if epoch < 0 {
		return fmt.Errorf("store: negative epoch %d", epoch)
	}
	s.mu.Lock()
	rev := s.epochRev
	s.mu.Unlock()
	msg := nats.NewMsg(s.prefix + ".epoch")
	msg.Data = store.FormatEpoch(epoch)
	msg.Header.Set(hdrAt, time.Now().UTC().Format(time.RFC3339Nano))
	ack, err := s.publish(ctx, msg, jetstream.WithExpectLastSequencePerSubject(rev))
	if isWrongLast(err) {
		return store.EpochConflict(err)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.epochRev == rev {
		s.epochRev = ack.Sequence
	}
	s.mu.Unlock()
	return nil
}

// ReadGeneration returns the stored generation, "" when absent or damaged.
func (s *Store) ReadGeneration(ctx context.Context) (string, error) {
	m, err := s.last(ctx, s.prefix+".generation")
	if err != nil || m == nil {
		return "", err
	}
	return store.ParseGeneration(m.Data, s.Describe(), s.log), nil
}

// WriteGeneration replaces the generation.
func (s *Store) WriteGeneration(ctx context.Context, gen string) error {
	msg := nats.NewMsg(s.prefix + ".generation")
	msg.Data = []byte(gen)
	_, err := s.publish(ctx, msg)
	return err
}

// EnsureGeneration returns the generation, creating it when there is none
// (on condition that there still is none, so concurrent replicas agree).
func (s *Store) EnsureGeneration(ctx context.Context) (string, error) {
	for range 3 {
		m, err := s.last(ctx, s.prefix+".generation")
		if err != nil {
			return "", err
		}
		var rev uint64
		if m != nil {
			if g := store.ParseGeneration(m.Data, s.Describe(), s.log); g != "" {
				return g, nil
			}
			rev = m.Sequence
		}
		gen := store.NewGeneration()
		msg := nats.NewMsg(s.prefix + ".generation")
		msg.Data = []byte(gen)
		_, err = s.publish(ctx, msg, jetstream.WithExpectLastSequencePerSubject(rev))
		if err == nil {
			s.log.Info("config store: new generation", "generation", gen)
			return gen, nil
		}
		if !isWrongLast(err) {
			return "", err
		}
	}
	return "", errors.New("store: the generation keeps changing")
}

// ListModelFiles lists the model files whose last record is a document.
func (s *Store) ListModelFiles(ctx context.Context) ([]string, error) {
	l, err := s.loadModels(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(l))
	for _, m := range l {
		out = append(out, m.Name)
	}
	return out, nil
}

// ReadModelFile returns models/<name>.
func (s *Store) ReadModelFile(ctx context.Context, name string) ([]byte, error) {
	if err := store.CheckName(name); err != nil {
		return nil, err
	}
	m, err := s.last(ctx, s.modelSubject(name))
	if err != nil {
		return nil, err
	}
	if m == nil || m.Header.Get(hdrDeleted) != "" {
		return nil, store.ErrNotFound
	}
	if m.Data == nil {
		return []byte{}, nil
	}
	return m.Data, nil
}

// WriteModel records text as the model's document (no epoch).
func (s *Store) WriteModel(ctx context.Context, id string, text []byte) error {
	msg := nats.NewMsg(s.modelSubject(store.FileName(id)))
	msg.Data = text
	msg.Header.Set(hdrModel, id)
	_, err := s.publish(ctx, msg)
	return err
}

// DeleteModel records the model's deletion (no epoch); deleting a missing
// model is success and records nothing.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	subject := s.modelSubject(store.FileName(id))
	m, err := s.last(ctx, subject)
	if err != nil || m == nil || m.Header.Get(hdrDeleted) != "" {
		return err
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(hdrModel, id)
	msg.Header.Set(hdrDeleted, "true")
	_, err = s.publish(ctx, msg)
	return err
}

// Ping checks that JetStream answers for the stream.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.lastSeq(ctx)
	return err
}

// Describe names the store.
func (s *Store) Describe() string { return "nats://" + s.bucket }

// Close closes the store's NATS connection.
func (s *Store) Close() error {
	s.nc.Close()
	return nil
}

// sortModels orders loaded models by file name in code-point order.
func sortModels(ms []store.LoadedModel) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
}
