package rest

import (
	"context"
	"errors"
	"net/http"
)

// callerTokenKey carries the GraphQL caller's own bearer token through a request's context, for
// upstreams called with the caller's credentials instead of the gateway's.
type callerTokenKey struct{}

// WithCallerToken returns ctx carrying the caller's bearer token. Only the HTTP layer that has
// authenticated the caller sets it.
func WithCallerToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, callerTokenKey{}, token)
}

// CallerToken returns the caller's bearer token carried by ctx.
func CallerToken(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(callerTokenKey{}).(string)
	return t, ok && t != ""
}

// ErrNoCallerToken is returned by CallerBearer when the context carries no caller token.
var ErrNoCallerToken = errors.New("no caller bearer token to pass through")

// CallerBearer sends the caller's own bearer token (WithCallerToken). Without one it refuses the
// call: falling back to the gateway's key would hand the caller the gateway's permissions.
type CallerBearer struct{}

func (CallerBearer) Authorize(ctx context.Context, req *http.Request) error {
	tok, ok := CallerToken(ctx)
	if !ok {
		return ErrNoCallerToken
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// Invalidate does nothing: the caller's token is the caller's to renew.
func (CallerBearer) Invalidate() {}
