package gateway

import (
	"net/http"

	"github.com/rs/cors"

	"custgraph/auth"
)

// withCORS lets browsers on the allowed origins call the GraphQL endpoint (rs/cors: preflight,
// Vary: Origin, header and method checks). An origin is "https://app.example.com", a pattern
// with one "*" such as "https://*.example.com", or "*" for any; no origins leaves next as it
// is, so browsers refuse every cross-origin call. Credentials (cookies) are not allowed: the
// API is called with explicit headers.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		// What a browser may send: the GraphQL headers, credentials, Apollo's client
		// identification and CSRF-prevention headers, request id and tracing.
		AllowedHeaders: []string{"Accept", "Content-Type", "Authorization", auth.APIKeyHeader, "X-Request-Id",
			"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "Apollographql-Client-Name",
			"Apollographql-Client-Version", "Traceparent", "Tracestate", "Baggage"},
		ExposedHeaders: []string{"X-Request-Id"},
		// Browsers cap this (Chromium at 2 hours); 10 minutes keeps preflights rare.
		MaxAge: 600,
	}).Handler(next)
}
