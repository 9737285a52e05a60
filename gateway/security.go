package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/redis/go-redis/v9"

	"custgraph/auth"
	"custgraph/cache"
	"custgraph/config"
	"custgraph/loaders"
	"custgraph/ratelimit"
	"custgraph/upstream/rest"
)

// Security is what protects the data behind the gateway: who may call (Auth), with which
// scopes, how often (RateLimit), and whether the sales API sees the caller's own token. The
// zero value is an open gateway, which only sandbox mode may run.
type Security struct {
	// Auth, when set, authenticates every GraphQL request (401 otherwise) and enforces Scopes.
	Auth *auth.Authenticator
	// Scopes are the scope names checked; zero = auth.DefaultScopes().
	Scopes auth.Scopes
	// RateLimit, when set, limits each caller (token subject, API key id, or IP when open).
	RateLimit *ratelimit.Limiter
	// SalesCallerAuth: the sales client sends each caller's own bearer token
	// (sales.Config.CallerAuth). The token is handed down through the context and cached sales
	// entries become private to it.
	SalesCallerAuth bool
}

// CodeRequestTooLarge is the extensions.code of a request body over the limit.
const CodeRequestTooLarge = "REQUEST_TOO_LARGE"

func (s Security) scopes() auth.Scopes {
	if s.Scopes == (auth.Scopes{}) {
		return auth.DefaultScopes()
	}
	return s.Scopes
}

// policy maps every mutation to its scope. A mutation missing here is refused to everyone
// (auth.Policy), and TestEveryMutationHasAScope fails until it is added.
func (s Security) policy() auth.Policy {
	sc := s.scopes()
	return auth.Policy{Read: sc.Read, Mutations: map[string]string{
		"updateCustomer":         sc.CustomersWrite,
		"assignCustomerCategory": sc.CustomersWrite,
		"setCustomerGroups":      sc.CustomersWrite,
		"createCustomerCategory": sc.CatalogWrite,
		"updateCustomerCategory": sc.CatalogWrite,
		"deleteCustomerCategory": sc.CatalogWrite,
		"createCustomerGroup":    sc.CatalogWrite,
		"updateCustomerGroup":    sc.CatalogWrite,
		"deleteCustomerGroup":    sc.CatalogWrite,
	}}
}

// MutationScopes is the scope each mutation needs under the default scope names (for tests and
// documentation).
func MutationScopes() map[string]string { return Security{}.policy().Mutations }

// install adds the scope check to the GraphQL server when callers are authenticated.
func (s Security) install(srv *handler.Server) {
	if s.Auth != nil {
		srv.Use(s.policy())
	}
}

// wrap puts authentication, the caller's token (pass-through mode) and the rate limit in front
// of the GraphQL endpoint, in that order: a rejected credential costs no bucket, and the bucket
// is the caller's, not the IP's.
func (s Security) wrap(next http.Handler) http.Handler {
	h := next
	if s.RateLimit != nil {
		h = s.RateLimit.Middleware(callerKey, h)
	}
	if s.Auth != nil {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Authenticated answers are the caller's own: no shared cache may keep them.
			w.Header().Set("Cache-Control", "private, no-store")
			w.Header().Add("Vary", "Authorization, "+auth.APIKeyHeader)
			if s.SalesCallerAuth {
				if c, ok := auth.CallerFrom(r.Context()); ok && c.Method == auth.MethodJWT {
					r = r.WithContext(rest.WithCallerToken(r.Context(), auth.BearerToken(r)))
				}
			}
			inner.ServeHTTP(w, r)
		})
		h = s.Auth.Middleware(h)
	}
	return h
}

// callerKey is the rate-limit key: the authenticated caller, else the client's IP. The IP is
// the connection's peer: behind a proxy all open callers share its bucket, since
// X-Forwarded-For can be forged by anyone who is not behind that proxy.
func callerKey(r *http.Request) string {
	if c, ok := auth.CallerFrom(r.Context()); ok {
		return c.ID
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// limitBody refuses a body over n bytes with 413 and a GraphQL error: at once when
// Content-Length says so, otherwise (chunked) after reading n+1 bytes. The body is read here, so
// the GraphQL transport never sees a truncated one.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			tooLarge(w, n)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n))
			if err != nil {
				if errors.As(err, new(*http.MaxBytesError)) {
					tooLarge(w, n)
					return
				}
				auth.WriteError(w, http.StatusBadRequest, "the request body could not be read", map[string]any{"code": "BAD_REQUEST"})
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, n int64) {
	auth.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", n),
		map[string]any{"code": CodeRequestTooLarge, "limitBytes": n})
}

// securityHeaders sets the headers every answer carries, the playground page included (set
// before the handler runs, so a handler with a stricter Content-Security-Policy of its own
// replaces this baseline): no MIME sniffing, no framing, no referrer, no window sharing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// scopeSalesCache makes cached sales entries private per caller in pass-through mode.
func (s Security) scopeSalesCache(w *loaders.CacheWrapper) {
	if s.SalesCallerAuth {
		w.ScopeSalesPerCaller()
	}
}

// NewSecurity builds the authenticator and the rate limiter the configuration asks for. The
// JWKS refresh runs until ctx ends; the returned func releases the rate limiter's Redis client.
// In sandbox mode without auth settings callers are not authenticated.
func NewSecurity(ctx context.Context, cfg config.Config, log *slog.Logger) (Security, func(), error) {
	s := Security{Scopes: cfg.Security.Auth.Scopes(), SalesCallerAuth: cfg.Sales.CallerAuth}
	closeFn := func() {}
	a := cfg.Security.Auth
	if a.Enabled() {
		var err error
		s.Auth, err = auth.New(ctx, auth.Config{JWKSURL: a.JWKSURL, Issuer: a.Issuer, Audience: a.Audience,
			JWKSRefresh: a.JWKSRefresh, APIKeys: a.APIKeys, Logger: log})
		if err != nil {
			return Security{}, nil, fmt.Errorf("CUSTGRAPH_AUTH_JWKS_URL: %w", err)
		}
	} else if !cfg.Sandbox {
		return Security{}, nil, errors.New("CUSTGRAPH_AUTH_JWKS_URL: authentication is required outside sandbox mode")
	}
	if n := cfg.Security.RateLimit; n > 0 {
		var rdb redis.UniversalClient
		if u := cfg.Cache.RedisURL; u != "" {
			rc, err := cache.RedisClientFromURL(u)
			if err != nil {
				return Security{}, nil, fmt.Errorf("CUSTGRAPH_REDIS_URL: %w", err)
			}
			rdb, closeFn = rc, func() { _ = rc.Close() }
		}
		lim, err := ratelimit.New(ratelimit.Options{Rate: n, Burst: cfg.Security.RateBurst, Redis: rdb,
			Namespace: cfg.Cache.Namespace, Logger: log})
		if err != nil {
			closeFn()
			return Security{}, nil, fmt.Errorf("CUSTGRAPH_RATE_LIMIT: %w", err)
		}
		s.RateLimit = lim
	}
	return s, closeFn, nil
}
