// Package sales is the client of the B2B sales API (customers, addresses, account groups) that
// the gateway reads customers from. It follows section 3 of the wire contract and seed 002, and
// is built on upstream/rest: one Client, typed methods, pagination surfaced as cursors, every
// upstream failure an *upstream.Error. It must not know anything of GraphQL, loaders or caches,
// must not hide pagination in loops (except the batch helpers, which split id lists into pages
// of 100), and never logs or returns the API key or request bodies.
//
// Choices where the contract is silent (following the vendor's Stripe-style conventions):
//   - credit_limit is marked Expandable in seed 002, so it is null unless IncludeCreditLimit is
//     named; a server that returns it anyway is tolerated (it is a pointer either way).
//   - Expanding freight_preferences or defaults returns their Expandable children (carrier,
//     service level, payment/shipping term, priority, sales rep) expanded too: include[] names
//     only the eleven top-level sub-objects.
//   - Errors: resource_missing is KindNotFound on a 404; any other 404 (url_invalid: the base
//     URL is wrong) is KindUnknown, so it never reads as a missing record. A 400
//     resource_missing names a parameter that references a missing record and is
//     KindValidation with Field = param. parameter_invalid, parameter_unknown,
//     parameter_missing and other invalid_request_error answers with 400/422 are
//     KindValidation, Field = param. idempotency_key_reused (409) is
//     KindConflict, resource_already_exists (a taken customer number) is KindDuplicate,
//     rate_limit_error is KindRateLimited with RetryAfter, authentication_error is
//     KindUnauthorized, api_error is KindUnavailable. Code is the vendor's code (its type
//     when it sends no code).
//   - Arguments the upstream would refuse anyway (limit outside 0..100, more than 100 ids or
//     numbers in one list call, an empty id, a patch nulling a non-nullable field) are refused
//     before any request, as the same KindValidation *upstream.Error with Field set.
//   - Reads are retried (rest.Request.Retryable); a PATCH only when it carries an idempotency key.
//   - The batch helpers (CustomersByID, CustomersByNumber, AddressesByID, AccountGroupsByID)
//     drop empty and duplicate keys, send ids[] in chunks of 100 with limit=100 (one request per
//     chunk), run at most four chunks at once, and leave absent keys out of the map.
package sales

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

const (
	upstreamName = "sales"
	// MaxPageSize is the largest limit the API accepts, and the size of one ids[] batch.
	MaxPageSize = 100
	// batchParallelism bounds how many chunks of one batch call are in flight at once: a loader
	// batch of thousands of keys must not open dozens of connections to one upstream.
	batchParallelism = 4
)

// Config builds a Client.
type Config struct {
	// BaseURL is the API root including the version path, e.g. https://host/v1/sales.
	BaseURL string
	// APIKey is sent as a bearer token.
	APIKey string
	// CallerAuth sends each call with the GraphQL caller's own bearer token (rest.CallerToken)
	// instead of APIKey, which is then not needed; a call without a caller token is refused.
	CallerAuth bool
	// HTTPClient is the transport; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Logger receives debug lines for calls and retries; nil discards them.
	Logger *slog.Logger
	// Retry is the retry policy of reads and keyed PATCHes; nil means rest.DefaultRetry.
	Retry *rest.RetryPolicy
	// Policy is the sales API's timeout, concurrency limit and breaker; nil imposes none.
	Policy *rest.Policy
}

// Client calls the sales API. It is safe for concurrent use.
type Client struct {
	rest *rest.Client
}

// New validates cfg and returns a Client. Its error names the bad field.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("sales: Config.BaseURL is required")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return nil, errors.New("sales: Config.BaseURL must be an absolute http or https URL")
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, errors.New("sales: Config.BaseURL must not carry a query, fragment or user info")
	case cfg.APIKey == "" && !cfg.CallerAuth:
		return nil, errors.New("sales: Config.APIKey is required")
	case strings.ContainsAny(cfg.APIKey, " \t\r\n"):
		// Never echo the key itself, only that it is malformed.
		return nil, errors.New("sales: Config.APIKey must not contain whitespace")
	}
	if cfg.Retry != nil && (cfg.Retry.MaxAttempts < 1 || cfg.Retry.BaseDelay < 0 || cfg.Retry.MaxDelay < 0) {
		return nil, errors.New("sales: Config.Retry needs MaxAttempts >= 1 and non-negative delays")
	}
	var auth rest.Authenticator = rest.Bearer(cfg.APIKey)
	if cfg.CallerAuth {
		auth = rest.CallerBearer{}
	}
	rc, err := rest.New(rest.Config{
		Upstream:    upstreamName,
		BaseURL:     cfg.BaseURL,
		HTTPClient:  cfg.HTTPClient,
		Auth:        auth,
		DecodeError: decodeError,
		Retry:       cfg.Retry,
		Logger:      cfg.Logger,
		Policy:      cfg.Policy,
	})
	if err != nil {
		return nil, fmt.Errorf("sales: Config.BaseURL: %w", err)
	}
	return &Client{rest: rc}, nil
}

// errorBody is the vendor's error envelope.
type errorBody struct {
	Error *struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Param   string `json:"param"`
	} `json:"error"`
}

// decodeError fills e from {"error": {type, code, message, param}}; see the package doc for the
// mapping. A body it cannot read leaves e as the status made it.
func decodeError(e *upstream.Error, body []byte) {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil || eb.Error == nil {
		return
	}
	v := eb.Error
	e.Code, e.Message, e.Field = v.Code, v.Message, v.Param
	if e.Code == "" {
		e.Code = v.Type
	}
	clientError := e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity
	switch {
	case v.Code == CodeResourceMissing && e.Status == http.StatusNotFound:
		e.Kind = upstream.KindNotFound
	case e.Status == http.StatusNotFound:
		// An unknown URL (url_invalid) is a misconfigured base URL, not a missing record.
		e.Kind = upstream.KindUnknown
	case v.Code == CodeIdempotencyKeyReused:
		e.Kind = upstream.KindConflict
	case v.Code == CodeResourceAlreadyExists:
		e.Kind = upstream.KindDuplicate
	case v.Type == ErrorTypeRateLimit:
		e.Kind = upstream.KindRateLimited
	case v.Type == ErrorTypeAuthentication:
		e.Kind = upstream.KindUnauthorized
	case clientError && (v.Type == ErrorTypeInvalidRequest || v.Code == CodeParameterInvalid ||
		v.Code == CodeParameterUnknown || v.Code == CodeParameterMissing || v.Code == CodeResourceMissing):
		e.Kind = upstream.KindValidation
	case v.Type == ErrorTypeAPI:
		e.Kind = upstream.KindUnavailable
	}
}

// invalidArg is the error for an argument refused before any request is sent. It has the shape
// the upstream would have answered with, so callers handle both alike.
func invalidArg(method, path, field, msg string) error {
	return &upstream.Error{Upstream: upstreamName, Method: method, Path: path,
		Kind: upstream.KindValidation, Code: CodeParameterInvalid, Field: field, Message: msg}
}

// fullPath is what error values name as the path: the base URL's path plus the relative path,
// matching what rest reports for upstream failures.
func (c *Client) fullPath(rel string) string {
	u, err := url.Parse(c.rest.BaseURL())
	if err != nil {
		return "/" + rel
	}
	return u.EscapedPath() + "/" + rel
}

// get sends a retryable GET.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	_, err := c.rest.Do(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q, Retryable: true}, out)
	return err
}

// batch runs fetch for each chunk of at most MaxPageSize keys (empty and duplicate keys
// dropped), at most batchParallelism at once, and merges what they return.
func batch[T any](ctx context.Context, keys []string, fetch func(ctx context.Context, chunk []string) ([]T, error), key func(T) string) (map[string]T, error) {
	seen := make(map[string]bool, len(keys))
	uniq := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" && !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	out := make(map[string]T, len(uniq))
	if len(uniq) == 0 {
		return out, nil
	}
	var chunks [][]string
	for len(uniq) > 0 {
		n := min(len(uniq), MaxPageSize)
		chunks = append(chunks, uniq[:n])
		uniq = uniq[n:]
	}
	results := make([][]T, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchParallelism)
	for i, chunk := range chunks {
		g.Go(func() error {
			r, err := fetch(gctx, chunk)
			results[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	for _, r := range results {
		for _, v := range r {
			if k := key(v); seen[k] {
				out[k] = v
			}
		}
	}
	return out, nil
}
