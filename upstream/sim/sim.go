// Package sim is what the three sandbox simulators share: the /_sim admin surface (request
// counts by route, reset, fault injection), token issuing and checking, and mounting under a
// path prefix. Each simulator implements only its own upstream's contract on a *http.ServeMux;
// this package must not know any vendor's paths or bodies.
package sim

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Faults is the injected-failure setting of one simulator. Every field is optional; the zero
// value is no fault. POST /_sim/faults replaces the whole setting.
type Faults struct {
	LatencyMS     int     `json:"latency_ms,omitempty"`
	ErrorRate     float64 `json:"error_rate,omitempty"`
	ErrorStatus   int     `json:"error_status,omitempty"`
	RetryAfterS   int     `json:"retry_after_s,omitempty"`
	MaxConcurrent int     `json:"max_concurrent,omitempty"`
	Down          bool    `json:"down,omitempty"`
}

func (f Faults) validate() error {
	switch {
	case f.LatencyMS < 0:
		return fmt.Errorf("latency_ms must be >= 0")
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return fmt.Errorf("error_rate must be between 0 and 1")
	case f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599):
		return fmt.Errorf("error_status must be a 4xx or 5xx status")
	case f.RetryAfterS < 0:
		return fmt.Errorf("retry_after_s must be >= 0")
	case f.MaxConcurrent < 0:
		return fmt.Errorf("max_concurrent must be >= 0")
	}
	return nil
}

// maxBufferedBody bounds the request body a delayed request reads ahead; the simulators' own
// handlers refuse far smaller bodies.
const maxBufferedBody = 8 << 20

// FaultKind says which failure a simulator must render in its upstream's own error shape.
type FaultKind int

const (
	FaultUnavailable FaultKind = iota // "down", or an injected 5xx / other status
	FaultRateLimited                  // an injected 429
	FaultConcurrency                  // more requests in flight than max_concurrent
)

// Fault is one injected failure.
type Fault struct {
	Kind       FaultKind
	Status     int
	RetryAfter int // seconds; 0 = no Retry-After header
}

// Upstream is what a simulator gives the Server.
type Upstream interface {
	// Reset puts the store back to its seed.
	Reset()
	// WriteFault answers with the upstream's own error body for f (and Retry-After if set).
	WriteFault(w http.ResponseWriter, r *http.Request, f Fault)
}

// Options tune a Server.
type Options struct {
	// Latency is how long every contract request takes, before any injected latency. A read's
	// own work is part of it, as a real upstream's server time is part of its latency: a read is
	// served at once into a buffer and answered when the latency has passed since it arrived
	// (later only when the work itself takes longer). A write is applied only after the latency,
	// so a caller that gives up first leaves no change behind.
	Latency time.Duration
	// Reads names the routes (ServeMux patterns) besides GET and HEAD that change nothing, such
	// as a query language sent by POST.
	Reads []string
	// Tokens, when set, adds POST /_sim/tokens/revoke so tests can force a token refresh.
	Tokens *Tokens
}

// Stats is the body of GET /_sim/stats.
type Stats struct {
	Requests int64            `json:"requests"`
	Routes   map[string]int64 `json:"routes"`
	// Cancelled counts requests whose caller went away while the simulator was still delaying
	// its answer (latency): proof that a client's cancellation reached the upstream.
	Cancelled int64 `json:"cancelled"`
}

// Server wraps a simulator's routes with counting, faults and the admin surface.
type Server struct {
	routes  *http.ServeMux
	up      Upstream
	latency time.Duration
	reads   map[string]bool
	tokens  *Tokens

	inflight  atomic.Int64
	cancelled atomic.Int64

	mu     sync.Mutex
	faults Faults
	total  int64
	counts map[string]int64
	rng    *rand.Rand
}

// NewServer returns the handler that serves routes behind the admin surface.
func NewServer(routes *http.ServeMux, up Upstream, opts Options) *Server {
	reads := make(map[string]bool, len(opts.Reads))
	for _, p := range opts.Reads {
		reads[p] = true
	}
	return &Server{
		routes:  routes,
		up:      up,
		latency: opts.Latency,
		reads:   reads,
		tokens:  opts.Tokens,
		counts:  map[string]int64{},
		rng:     rand.New(rand.NewPCG(1, 2)),
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.admin(w, r)
		return
	}
	_, pattern := s.routes.Handler(r)
	if pattern == "" {
		pattern = "UNMATCHED"
	}

	s.mu.Lock()
	s.total++
	s.counts[pattern]++
	f := s.faults
	fail := f.ErrorRate > 0 && s.rng.Float64() < f.ErrorRate
	s.mu.Unlock()

	if f.Down {
		s.up.WriteFault(w, r, Fault{Kind: FaultUnavailable, Status: http.StatusServiceUnavailable, RetryAfter: f.RetryAfterS})
		return
	}
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if f.MaxConcurrent > 0 && n > int64(f.MaxConcurrent) {
		s.up.WriteFault(w, r, Fault{Kind: FaultConcurrency, Status: http.StatusTooManyRequests, RetryAfter: f.RetryAfterS})
		return
	}
	if d := s.latency + time.Duration(f.LatencyMS)*time.Millisecond; d > 0 {
		// Read the body first, as a real server would while working: only once it is consumed
		// does net/http watch the connection and cancel r.Context() when the client hangs up.
		if r.Body != nil && r.ContentLength != 0 {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxBufferedBody))
			if err != nil {
				s.cancelled.Add(1) // the client went away mid-body
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if !fail && (r.Method == http.MethodGet || r.Method == http.MethodHead || s.reads[pattern]) {
			var b bufferedResponse
			s.routes.ServeHTTP(&b, r)
			if s.delay(r, arrived.Add(d)) {
				b.writeTo(w)
			}
			return
		}
		if !s.delay(r, arrived.Add(d)) {
			return
		}
	}
	if fail {
		status := f.ErrorStatus
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		kind := FaultUnavailable
		if status == http.StatusTooManyRequests {
			kind = FaultRateLimited
		}
		s.up.WriteFault(w, r, Fault{Kind: kind, Status: status, RetryAfter: f.RetryAfterS})
		return
	}
	s.routes.ServeHTTP(w, r)
}

// delay waits until the answer is due, or reports false (and counts a cancellation) when the
// caller goes away first.
func (s *Server) delay(r *http.Request, due time.Time) bool {
	t := time.NewTimer(time.Until(due))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		s.cancelled.Add(1)
		return false
	}
}

// bufferedResponse holds a read's answer until its latency has passed.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

// writeTo sends the held answer, with its length known up front.
func (b *bufferedResponse) writeTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	if b.body.Len() > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(b.body.Len()))
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// Stats returns the request counts since the last reset.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Requests: s.total, Routes: make(map[string]int64, len(s.counts)), Cancelled: s.cancelled.Load()}
	for k, v := range s.counts {
		st.Routes[k] = v
	}
	return st
}

// Reset puts the store back to the seed and the counters to zero. Faults are kept: a test that
// resets between cases sets its faults explicitly.
func (s *Server) Reset() {
	s.up.Reset()
	s.mu.Lock()
	s.cancelled.Store(0)
	s.total = 0
	s.counts = map[string]int64{}
	s.mu.Unlock()
}

// ResetStats zeroes the counters and keeps the data, so a test can count the requests of one
// operation after others changed the store.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.cancelled.Store(0)
	s.total = 0
	s.counts = map[string]int64{}
	s.mu.Unlock()
}

// SetFaults replaces the fault setting.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Faults returns the current fault setting.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_sim/stats" && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, s.Stats())
	case r.URL.Path == "/_sim/reset" && r.Method == http.MethodPost:
		s.Reset()
		WriteJSON(w, http.StatusOK, map[string]bool{"reset": true})
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, s.Faults())
	case r.URL.Path == "/_sim/faults" && r.Method == http.MethodPost:
		var f Faults
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid faults body: " + err.Error()})
			return
		}
		if err := s.SetFaults(f); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, f)
	case r.URL.Path == "/_sim/tokens/revoke" && r.Method == http.MethodPost && s.tokens != nil:
		s.tokens.RevokeAll()
		WriteJSON(w, http.StatusOK, map[string]bool{"revoked": true})
	default:
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such admin endpoint"})
	}
}

// WriteJSON writes v as a JSON body with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// encoding/json's output (v1 options, trailing newline as its Encoder writes), by the faster
	// v2 implementation: a simulator's own encoding is not part of the latency it simulates.
	b, _ := jsonv2.Marshal(v, jsonv1.DefaultOptionsV1())
	_, _ = w.Write(append(b, '\n'))
}

// Tokens issues opaque bearer tokens and checks them.
type Tokens struct {
	ttl time.Duration

	mu     sync.Mutex
	issued map[string]time.Time
}

// NewTokens returns a token store whose tokens live for ttl.
func NewTokens(ttl time.Duration) *Tokens {
	return &Tokens{ttl: ttl, issued: map[string]time.Time{}}
}

// Issue returns a new token and its lifetime.
func (t *Tokens) Issue() (string, time.Duration) {
	b := make([]byte, 24)
	_, _ = crand.Read(b)
	tok := hex.EncodeToString(b)
	t.mu.Lock()
	t.issued[tok] = time.Now().Add(t.ttl)
	t.mu.Unlock()
	return tok, t.ttl
}

// Valid reports whether r carries a live bearer token.
func (t *Tokens) Valid(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.issued[tok]
	return ok && time.Now().Before(exp)
}

// RevokeAll makes every issued token invalid.
func (t *Tokens) RevokeAll() {
	t.mu.Lock()
	t.issued = map[string]time.Time{}
	t.mu.Unlock()
}

type prefixKey struct{}

// Mount serves h under prefix (e.g. "/netsuite"), stripping it, and remembers it so that
// simulators can build absolute links (NetSuite's self links, Location headers).
func Mount(prefix string, h http.Handler) http.Handler {
	prefix = strings.TrimSuffix(prefix, "/")
	strip := http.StripPrefix(prefix, h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		strip.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), prefixKey{}, prefix)))
	})
}

// BaseURL is the absolute URL the simulator is reached at for r: scheme, host and mount prefix.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix, _ := r.Context().Value(prefixKey{}).(string)
	return scheme + "://" + r.Host + prefix
}
