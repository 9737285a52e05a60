package auth

import (
	"context"
	"slices"
)

// How a caller authenticated.
const (
	MethodJWT    = "jwt"
	MethodAPIKey = "api_key"
)

// Caller is an authenticated caller. It holds no credential, so it is safe to log.
type Caller struct {
	// ID is stable per caller and unique across methods: "jwt:{issuer}#{subject}" or
	// "key:{key id}". Rate limits are keyed by it.
	ID      string
	Subject string // token subject or API key id
	Method  string // MethodJWT or MethodAPIKey
	Scopes  []string
}

// HasScope reports whether the caller was granted scope.
func (c *Caller) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the authenticated caller of the request ctx belongs to.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(*Caller)
	return c, ok && c != nil
}
