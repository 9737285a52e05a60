package reqlog

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/felixge/httpsnoop"
)

// Header is the request id header: taken from the caller when it is a safe token, otherwise
// generated, and echoed on the response either way.
const Header = "X-Request-Id"

const maxIDLen = 128

// Middleware gives every request a Summary and a request id, and writes one log line when the
// request ends: method, path, status, duration, bytes, then the Summary's facts, with the
// request id and trace id added by the Handler. A 5xx is logged at error level, anything else
// at info.
func Middleware(log *slog.Logger, next http.Handler) http.Handler {
	log = slog.New(NewHandler(log.Handler()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(Header)
		if !validID(id) {
			id = rand.Text()
		}
		w.Header().Set(Header, id)
		ctx, sum := With(r.Context(), id)

		status, bytes := 0, int64(0)
		ww := httpsnoop.Wrap(w, httpsnoop.Hooks{
			WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
				return func(code int) {
					if status == 0 {
						status = code
					}
					next(code)
				}
			},
			Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
				return func(b []byte) (int, error) {
					if status == 0 {
						status = http.StatusOK
					}
					n, err := next(b)
					bytes += int64(n)
					return n, err
				}
			},
			ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
				return func(src io.Reader) (int64, error) {
					if status == 0 {
						status = http.StatusOK
					}
					n, err := next(src)
					bytes += n
					return n, err
				}
			},
		})
		defer func() {
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			if !log.Enabled(ctx, level) {
				return
			}
			snap := sum.Snapshot()
			attrs := make([]slog.Attr, 0, 16)
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int64("bytes", bytes),
				slog.String("operation", snap.Operation),
				slog.String("operation_type", snap.OperationType),
			)
			calls := make([]any, 0, len(snap.UpstreamCalls))
			total := 0
			for _, name := range sortedKeys(snap.UpstreamCalls) {
				calls = append(calls, slog.Int(name, snap.UpstreamCalls[name]))
				total += snap.UpstreamCalls[name]
			}
			attrs = append(attrs,
				slog.Int("upstream_calls", total),
				slog.Group("upstream", calls...),
				slog.Int("upstream_errors", snap.UpstreamErrors),
				slog.Int("cache_hits", snap.CacheHits),
				slog.Int("cache_misses", snap.CacheMisses),
				slog.Int("errors", snap.Errors),
				slog.String("error_codes", strings.Join(snap.ErrorCodes, ",")),
			)
			log.LogAttrs(ctx, level, "request", attrs...)
		}()
		next.ServeHTTP(ww, r.WithContext(ctx))
	})
}

// validID accepts a caller's request id only when it is short and made of characters that
// cannot break a log line or a header: letters, digits and - _ . : + / = @.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.:+/=@", c) >= 0:
		default:
			return false
		}
	}
	return true
}
