package rest

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Authenticator puts credentials on an outgoing request. Invalidate is called after the upstream
// answered 401, so the next Authorize fetches a fresh token instead of replaying a dead one.
type Authenticator interface {
	Authorize(ctx context.Context, req *http.Request) error
	Invalidate()
}

// Bearer sends a fixed API key as a bearer token (the sales API).
type Bearer string

func (b Bearer) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(b))
	return nil
}

func (Bearer) Invalidate() {}

// TokenFetcher fetches a new OAuth 2.0 token, e.g. clientcredentials.Config.Token.
type TokenFetcher func(ctx context.Context) (*oauth2.Token, error)

// TokenAuth caches a fetched token until shortly before it expires. Concurrent callers share one
// fetch: a burst of requests at start-up costs the token endpoint one call, not one per request.
type TokenAuth struct {
	fetch TokenFetcher
	early time.Duration

	mu    sync.Mutex
	token *oauth2.Token
}

// NewTokenAuth returns an Authenticator over fetch that refreshes a minute before expiry.
func NewTokenAuth(fetch TokenFetcher) *TokenAuth {
	return &TokenAuth{fetch: fetch, early: time.Minute}
}

func (a *TokenAuth) Authorize(ctx context.Context, req *http.Request) error {
	tok, err := a.current(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

func (a *TokenAuth) current(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != nil && (a.token.Expiry.IsZero() || time.Until(a.token.Expiry) > a.early) {
		return a.token, nil
	}
	tok, err := a.fetch(ctx)
	if err != nil {
		return nil, err
	}
	a.token = tok
	return tok, nil
}

func (a *TokenAuth) Invalidate() {
	a.mu.Lock()
	a.token = nil
	a.mu.Unlock()
}
