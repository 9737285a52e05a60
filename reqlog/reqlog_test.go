package reqlog

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"demo-42", true},
		{"0b8f3c1e-7d7c-4a4e-9d7f-6a1f2e3d4c5b", true},
		{"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", false}, // ';' is refused
		{"abc+/=@_.:", true},
		{"", false},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"has space", false},
		{"quote\"", false},
		{"new\nline", false},
		{"ünïcode", false},
	} {
		if got := validID(tc.id); got != tc.ok {
			t.Errorf("validID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

// logBuffer is a concurrency-safe buffer for a JSON log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// TestMiddlewareLogLine drives the middleware over a real socket: the request id is taken from
// the caller when safe, generated otherwise, echoed either way, and the one log line carries
// what the handler reported through the context.
func TestMiddlewareLogLine(t *testing.T) {
	t.Parallel()
	var buf logBuffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	h := Middleware(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := From(r.Context())
		s.SetOperation("Customers", "query")
		s.UpstreamCall("netsuite", false)
		s.UpstreamCall("sales", false)
		s.UpstreamCall("sales", true)
		s.CacheLookups(3, 2)
		s.ErrorCodes("UPSTREAM_UNAVAILABLE", "NOT_FOUND", "UPSTREAM_UNAVAILABLE")
		log.InfoContext(r.Context(), "inner line")
		if r.URL.Query().Get("fail") != "" {
			w.WriteHeader(http.StatusBadGateway)
		}
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, sent string
		query      string
		keep       bool
		status     int
		level      string
	}{
		{"caller id kept", "demo-42", "", true, 200, "INFO"},
		{"unsafe id replaced", "bad id\"", "", false, 200, "INFO"},
		{"no id generated", "", "?fail=1", false, 502, "ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql"+tc.query, strings.NewReader(`{"query":"{x}","variables":{"secret":"s3cr3t"}}`))
			if tc.sent != "" {
				req.Header.Set(Header, tc.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			// The line is written before the response ends: read it to the end.
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got := resp.Header.Get(Header)
			if tc.keep && got != tc.sent || !tc.keep && (got == tc.sent || !validID(got)) {
				t.Fatalf("X-Request-Id sent %q, echoed %q", tc.sent, got)
			}
			var line, inner map[string]any
			for _, l := range buf.lines(t) {
				if l["request_id"] == got && l["msg"] == "request" {
					line = l
				}
				if l["request_id"] == got && l["msg"] == "inner line" {
					inner = l
				}
			}
			if line == nil || inner == nil {
				t.Fatalf("no request line and inner line with request_id %s", got)
			}
			want := map[string]any{"level": tc.level, "method": "POST", "path": "/graphql", "status": float64(tc.status),
				"operation": "Customers", "operation_type": "query", "upstream_calls": float64(3),
				"upstream": map[string]any{"netsuite": float64(1), "sales": float64(2)}, "upstream_errors": float64(1),
				"cache_hits": float64(3), "cache_misses": float64(2), "errors": float64(3),
				"error_codes": "NOT_FOUND,UPSTREAM_UNAVAILABLE", "bytes": float64(11)}
			for k, v := range want {
				if gotV, _ := json.Marshal(line[k]); string(gotV) != mustJSON(v) {
					t.Errorf("%s = %s, want %s", k, gotV, mustJSON(v))
				}
			}
			if _, ok := line["duration_ms"].(float64); !ok {
				t.Errorf("duration_ms missing: %v", line)
			}
		})
	}
	if all, _ := json.Marshal(buf.lines(t)); strings.Contains(string(all), "s3cr3t") {
		t.Errorf("a variable reached the log: %s", all)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestNilSummary: reporters never check for a summary; outside a request nothing happens.
func TestNilSummary(t *testing.T) {
	t.Parallel()
	var s *Summary
	s.SetOperation("x", "query")
	s.UpstreamCall("sales", true)
	s.CacheLookups(1, 1)
	s.ErrorCodes("X")
	if snap := s.Snapshot(); snap.RequestID != "" || snap.Errors != 0 || s.ID() != "" {
		t.Errorf("nil summary recorded something: %+v", snap)
	}
	if RequestID(t.Context()) != "" || From(t.Context()) != nil {
		t.Error("a bare context has a summary")
	}
}
