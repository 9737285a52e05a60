package gateway

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"

	"custgraph/config"
)

// HTTPOptions tune the GraphQL endpoint for browsers, CDNs and mobile apps.
type HTTPOptions struct {
	// CORSOrigins may call the endpoint from a browser (see withCORS); none = same origin only.
	CORSOrigins []string
	// DisableCompression turns gzip/zstd responses off (when a proxy in front compresses).
	DisableCompression bool
	// GETMaxAge lets browsers and CDNs keep a successful GET answer this long; 0 = no-store.
	GETMaxAge time.Duration
}

// setupServer installs the GraphQL-over-HTTP transports and the limits on srv (nil limits =
// DefaultLimits). Call it before the persisted-query extension is added.
func setupServer(srv *handler.Server, opts Options) {
	addTransports(srv, opts.HTTP.GETMaxAge)
	l := DefaultLimits()
	if opts.Limits != nil {
		l = *opts.Limits
	}
	useLimits(srv, l)
}

// wrapEndpoint puts compression and, outside it, CORS around the GraphQL endpoint.
func wrapEndpoint(h http.Handler, o HTTPOptions, log *slog.Logger) http.Handler {
	if !o.DisableCompression {
		c, err := withCompression(h)
		if err != nil {
			log.Error("responses stay uncompressed", "error", err)
		} else {
			h = c
		}
	}
	return withCORS(o.CORSOrigins, h)
}

// limitsFrom and httpFrom map the settings to Options.
func limitsFrom(f config.Frontend) *Limits {
	return &Limits{MaxQueryBytes: f.MaxQueryBytes, MaxTokens: f.MaxQueryTokens, MaxDepth: f.MaxDepth,
		MaxComplexity: f.MaxComplexity, MaxAliases: f.MaxAliases}
}

func httpFrom(f config.Frontend) HTTPOptions {
	return HTTPOptions{CORSOrigins: f.CORSOrigins, DisableCompression: !f.Compression, GETMaxAge: f.GETCacheMaxAge}
}
