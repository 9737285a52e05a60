// Package reqlog keeps one request's summary (request id, GraphQL operation, upstream calls,
// cache hits and misses, error codes) in its context, and writes it as the one log line per
// request. Whoever learns a fact adds it through the context: the GraphQL extension the
// operation and error codes, the upstream transport the calls, the cache its hits. It imports
// nothing of the gateway (only the OpenTelemetry trace API, for the trace id), so any layer may
// report into it; it never records query text, variables, headers or bodies.
package reqlog

import (
	"context"
	"slices"
	"sync"
)

// Summary is what one request did. Its methods are safe for concurrent use (a request's
// resolvers and batches run in parallel) and do nothing on a nil Summary, so reporters need not
// check whether the request is being summarised.
type Summary struct {
	id string

	mu        sync.Mutex
	operation string
	opType    string
	upstream  map[string]int // calls by upstream name
	upErrors  int            // upstream calls that failed (transport error or status >= 500)
	hits      int
	misses    int
	codes     []string // extensions.code of every error, in order of appearance
}

type ctxKey struct{}

// With returns ctx carrying a new Summary for the request id.
func With(ctx context.Context, requestID string) (context.Context, *Summary) {
	s := &Summary{id: requestID}
	return context.WithValue(ctx, ctxKey{}, s), s
}

// From returns the request's Summary, or nil outside a summarised request.
func From(ctx context.Context) *Summary {
	s, _ := ctx.Value(ctxKey{}).(*Summary)
	return s
}

// RequestID returns the request id of ctx, "" outside a summarised request.
func RequestID(ctx context.Context) string {
	if s := From(ctx); s != nil {
		return s.id
	}
	return ""
}

// ID is the request id.
func (s *Summary) ID() string {
	if s == nil {
		return ""
	}
	return s.id
}

// SetOperation records the GraphQL operation's name and type (query, mutation, subscription).
func (s *Summary) SetOperation(name, opType string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.operation, s.opType = name, opType
	s.mu.Unlock()
}

// UpstreamCall counts one HTTP call to an upstream; failed is true for a transport error or a
// 5xx answer.
func (s *Summary) UpstreamCall(upstream string, failed bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.upstream == nil {
		s.upstream = make(map[string]int, 3)
	}
	s.upstream[upstream]++
	if failed {
		s.upErrors++
	}
	s.mu.Unlock()
}

// CacheLookups counts keys answered by the shared cache (hits) and keys it could not answer
// (misses, including lookups skipped while the cache is unavailable).
func (s *Summary) CacheLookups(hits, misses int) {
	if s == nil || hits+misses == 0 {
		return
	}
	s.mu.Lock()
	s.hits += hits
	s.misses += misses
	s.mu.Unlock()
}

// ErrorCodes records the extensions.code of errors in the response.
func (s *Summary) ErrorCodes(codes ...string) {
	if s == nil || len(codes) == 0 {
		return
	}
	s.mu.Lock()
	s.codes = append(s.codes, codes...)
	s.mu.Unlock()
}

// Snapshot is a copy of a Summary's facts.
type Snapshot struct {
	RequestID      string
	Operation      string
	OperationType  string
	UpstreamCalls  map[string]int
	UpstreamErrors int
	CacheHits      int
	CacheMisses    int
	// ErrorCodes are the distinct codes, sorted.
	ErrorCodes []string
	// Errors is the number of errors in the response.
	Errors int
}

// Snapshot returns a copy of what has been recorded so far.
func (s *Summary) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{RequestID: s.id, Operation: s.operation, OperationType: s.opType,
		UpstreamErrors: s.upErrors, CacheHits: s.hits, CacheMisses: s.misses, Errors: len(s.codes)}
	if len(s.upstream) > 0 {
		snap.UpstreamCalls = make(map[string]int, len(s.upstream))
		for k, v := range s.upstream {
			snap.UpstreamCalls[k] = v
		}
	}
	if len(s.codes) > 0 {
		snap.ErrorCodes = slices.Compact(slices.Sorted(slices.Values(s.codes)))
	}
	return snap
}
