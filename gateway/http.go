package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/auth"
)

// GraphQL over HTTP, by the specification (graphql.github.io/graphql-over-http, the draft
// after the 2025 watershed). Where gqlgen's own GET and POST transports differ, these replace
// them:
//   - Accept is negotiated with q-values between application/graphql-response+json and
//     application/json; nothing acceptable is 406 (gqlgen silently answered
//     graphql-response+json). No Accept header means application/graphql-response+json.
//   - With application/json, a well-formed request is 200 even when it fails to parse or
//     validate (gqlgen answered 422); with application/graphql-response+json such request
//     errors are 4xx, and their body has no "data" entry (gqlgen wrote "data": null).
//   - A mutation over GET is 405 with Allow: POST (gqlgen answered 406, no Allow header).
//   - Malformed requests (invalid JSON, wrong parameter types, no query) are 400 without
//     echoing the body; a POST of another media type is 415; other methods are 405.
//   - @defer needs POST with Accept: multipart/mixed, served by gqlgen's MultipartMixed; an
//     operation that defers without it is refused with 406 rather than silently answered
//     with only its first part.

// Media types of GraphQL responses.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
	mediaMultipart       = "multipart/mixed"
)

// Error codes of requests refused at the HTTP layer.
const (
	CodeBadRequest           = "BAD_REQUEST"
	CodeNotAcceptable        = "NOT_ACCEPTABLE"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codeBodyTooLarge         = "REQUEST_TOO_LARGE"
	codePersistedNotFound    = "PERSISTED_QUERY_NOT_FOUND" // gqlgen's APQ extension sets it
)

// addTransports installs the specification's transports on srv, in the order they are tried.
func addTransports(srv *handler.Server, getMaxAge time.Duration) {
	srv.AddTransport(transport.Options{AllowedMethods: []string{"GET", "POST", "OPTIONS"}})
	srv.AddTransport(getTransport{maxAge: getMaxAge})
	srv.AddTransport(postTransport{})
	srv.AddTransport(refuseTransport{})
}

// accepted is what the client's Accept header allows: the JSON media type to answer with ("" if
// neither is acceptable) and whether it takes multipart/mixed.
type accepted struct {
	json      string
	multipart bool
}

func (a accepted) none() bool { return a.json == "" && !a.multipart }

// negotiate reads Accept (RFC 9110 12.5.1): each of the two JSON media types gets the quality of
// the most specific range that matches it; the higher quality wins, then the more specific
// match, then the one listed first. Wildcards alone choose application/json, the type every
// client understands; no Accept header at all means application/graphql-response+json, as the
// specification asks from 2025 on.
func negotiate(header []string) accepted {
	accept := strings.Join(header, ",")
	if strings.TrimSpace(accept) == "" {
		return accepted{json: mediaGraphQLResponse}
	}
	type match struct {
		q, specificity, pos int // q in thousandths; specificity: 0 none, 1 */*, 2 type/*, 3 exact
	}
	var gql, plain match
	var out accepted
	for pos, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1000
		if v, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = int(f*1000 + 0.5)
		}
		consider := func(m *match, exact string) {
			spec := 0
			switch mt {
			case exact:
				spec = 3
			case "application/*":
				spec = 2
			case "*/*":
				spec = 1
			}
			if spec > m.specificity {
				*m = match{q: q, specificity: spec, pos: pos}
			}
		}
		consider(&gql, mediaGraphQLResponse)
		consider(&plain, mediaJSON)
		if mt == mediaMultipart && q > 0 {
			out.multipart = true
		}
	}
	switch {
	case gql.q == 0 && plain.q == 0:
	case gql.q != plain.q:
		out.json = map[bool]string{true: mediaGraphQLResponse, false: mediaJSON}[gql.q > plain.q]
	case gql.specificity != plain.specificity:
		out.json = map[bool]string{true: mediaGraphQLResponse, false: mediaJSON}[gql.specificity > plain.specificity]
	case gql.specificity == 3 && gql.pos < plain.pos:
		out.json = mediaGraphQLResponse
	default:
		out.json = mediaJSON
	}
	return out
}

// requestError is a GraphQL-over-HTTP request refused before execution.
func requestError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// wireResponse is graphql.Response as the specification wants it on the wire: no "data" entry
// at all when the request failed before execution.
type wireResponse struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// encodeResponse is json.Marshal of the wireResponse, except that data is copied as it is:
// gqlgen's marshalers (and the response cache, which keeps their output) write compact, valid
// JSON, and re-checking tens of kilobytes per answer would cost more than a cached answer.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	if len(resp.Data) == 0 {
		return json.Marshal(wireResponse{Errors: resp.Errors, Extensions: resp.Extensions})
	}
	head, err := json.Marshal(wireResponse{Errors: resp.Errors})
	if err != nil {
		return nil, err
	}
	tail, err := json.Marshal(wireResponse{Extensions: resp.Extensions})
	if err != nil {
		return nil, err
	}
	// head and tail are "{}" or one member in braces; data goes between them, in field order.
	b := make([]byte, 0, len(head)+len(resp.Data)+len(tail)+10)
	b = append(b, head[:len(head)-1]...)
	if len(head) > 2 {
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	b = append(b, resp.Data...)
	if len(tail) > 2 {
		b = append(b, ',')
		b = append(b, tail[1:]...)
	} else {
		b = append(b, '}')
	}
	return b, nil
}

func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	if media == "" {
		media = mediaJSON
	}
	b, err := encodeResponse(resp)
	if err != nil {
		// Only a resolver value that cannot be encoded gets here: a bug, reported as one.
		b = []byte(`{"errors":[{"message":"internal error: the response could not be encoded","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// refuse answers a request that never reached GraphQL.
func refuse(w http.ResponseWriter, media string, status int, err *gqlerror.Error) {
	writeResponse(w, media, status, &graphql.Response{Errors: gqlerror.List{err}})
}

// failedStatus is the status of a response without data: a request error. With
// application/json the specification keeps the legacy 200 for a well-formed request; with
// application/graphql-response+json it must be 4xx/5xx, chosen by the first error's code.
func failedStatus(media string, errs gqlerror.List) int {
	if media == mediaJSON {
		return http.StatusOK
	}
	for _, e := range errs {
		switch e.Extensions["code"] {
		case codePersistedNotFound:
			// Not 400: Apollo Client turns persisted queries off for good after a 400.
			return http.StatusNotFound
		case auth.CodeUnauthenticated:
			return http.StatusUnauthorized
		case auth.CodeForbidden:
			return http.StatusForbidden
		case "INTERNAL_SERVER_ERROR":
			return http.StatusInternalServerError
		}
	}
	return http.StatusBadRequest
}

// serve runs params through gqlgen, from parsing to the written response. body is the POST
// body (handed again to the multipart transport); getMaxAge is the Cache-Control max-age of
// a successful GET.
func serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, acc accepted, params *graphql.RawParams,
	body []byte, getMaxAge time.Duration) {
	ctx := r.Context()
	params.Headers = r.Header
	params.ReadTime.End = graphql.Now()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		if acc.json == "" {
			acc.json = mediaJSON // a multipart-only client: errors are still JSON
		}
		noStore(w, r)
		writeResponse(w, acc.json, failedStatus(acc.json, resp.Errors), resp)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		// The specification: a mutation over GET is 405, execution halted.
		w.Header().Set("Allow", "POST")
		noStore(w, r)
		refuse(w, acc.json, http.StatusMethodNotAllowed,
			requestError(CodeMethodNotAllowed, "%s operations need POST; GET runs queries only", opCtx.Operation.Operation))
		return
	}
	if defers(opCtx) || acc.json == "" {
		if r.Method != http.MethodPost || !acc.multipart {
			noStore(w, r)
			refuse(w, orJSON(acc.json), http.StatusNotAcceptable, requestError(CodeNotAcceptable,
				"@defer needs POST with Accept: multipart/mixed (incremental delivery); send it, or drop @defer"))
			return
		}
		// gqlgen's MultipartMixed reads the body again and repeats the (cached) parse.
		r.Body = io.NopCloser(bytes.NewReader(body))
		// gqlgen v0.17.98 drops a deferred result once the request context is canceled but
		// still waits for it, so a client that leaves mid-stream would hold this handler
		// forever. Without cancellation the deferred fields finish (each upstream batch has
		// its own deadline), the writes to the gone client fail, and the handler returns.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		transport.MultipartMixed{Boundary: "-"}.Do(w, r, exec)
		return
	}
	handlerFn, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handlerFn(ctx)
	if resp == nil {
		resp = &graphql.Response{}
	}
	if len(resp.Data) == 0 {
		// Executed operations always have data (perhaps null); none means an operation
		// middleware refused the request.
		noStore(w, r)
		writeResponse(w, acc.json, failedStatus(acc.json, resp.Errors), resp)
		return
	}
	if r.Method == http.MethodGet {
		cacheGET(w, getMaxAge, resp)
	}
	writeResponse(w, acc.json, http.StatusOK, resp)
}

func orJSON(media string) string {
	if media == "" {
		return mediaJSON
	}
	return media
}

// defers reports whether the operation has an active @defer (its if argument not false).
func defers(op *graphql.OperationContext) bool {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) bool
	active := func(ds ast.DirectiveList) bool {
		d := ds.ForName("defer")
		if d == nil {
			return false
		}
		on, ok := d.ArgumentMap(op.Variables)["if"].(bool)
		return !ok || on
	}
	walk = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if walk(sel.SelectionSet) {
					return true
				}
			case *ast.InlineFragment:
				if active(sel.Directives) || walk(sel.SelectionSet) {
					return true
				}
			case *ast.FragmentSpread:
				if active(sel.Directives) {
					return true
				}
				if !seen[sel.Name] {
					seen[sel.Name] = true
					if def := op.Doc.Fragments.ForName(sel.Name); def != nil && walk(def.SelectionSet) {
						return true
					}
				}
			}
		}
		return false
	}
	return walk(op.Operation.SelectionSet)
}

// noStore keeps caches from keeping a refusal of a GET.
func noStore(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		setCacheControl(w, "no-store")
	}
}

// setCacheControl sets Cache-Control unless an outer layer already has (authentication marks
// a caller's answers private, and that must stand).
func setCacheControl(w http.ResponseWriter, v string) {
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", v)
	}
}

// cacheGET sets Cache-Control on a successful GET: with a max-age configured, an answer
// without errors may be kept that long by browsers and CDNs; anything else is no-store. It is
// never "public", and varies on the credential headers: by HTTP's rules (RFC 9111 3.5) a
// shared cache does not store answers to requests with Authorization, and no cache hands
// one API key's answer to another.
func cacheGET(w http.ResponseWriter, maxAge time.Duration, resp *graphql.Response) {
	if maxAge < time.Second || len(resp.Errors) > 0 {
		setCacheControl(w, "no-store")
		return
	}
	w.Header().Add("Vary", "Authorization, "+auth.APIKeyHeader)
	setCacheControl(w, "max-age="+strconv.Itoa(int(maxAge/time.Second)))
}

// getTransport serves GraphQL over GET: queries only, parameters in the URL (persisted queries
// by hash keep that URL short and cacheable).
type getTransport struct{ maxAge time.Duration }

func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	// The answer depends on Accept; the compression layer adds Accept-Encoding.
	w.Header().Add("Vary", "Accept")
	acc := negotiate(r.Header.Values("Accept"))
	if acc.json == "" {
		noStore(w, r)
		refuse(w, mediaJSON, http.StatusNotAcceptable, requestError(CodeNotAcceptable,
			"Accept allows neither %s nor %s", mediaGraphQLResponse, mediaJSON))
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		noStore(w, r)
		refuse(w, acc.json, http.StatusBadRequest, requestError(CodeBadRequest, "the URL's query string is malformed"))
		return
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), ReadTime: graphql.TraceTiming{Start: start}}
	for _, p := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := q.Get(p.name); v != "" {
			if err := decodeObject([]byte(v), p.dst); err != nil {
				noStore(w, r)
				refuse(w, acc.json, http.StatusBadRequest, requestError(CodeBadRequest, "the %s parameter must be a JSON object", p.name))
				return
			}
		}
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		noStore(w, r)
		refuse(w, acc.json, http.StatusBadRequest, requestError(CodeBadRequest, "the query parameter is missing"))
		return
	}
	serve(w, r, exec, acc, params, nil, t.maxAge)
}

// postTransport serves GraphQL over POST with an application/json body.
type postTransport struct{}

func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == "" && isJSONBody(r.Header.Get("Content-Type"))
}

// isJSONBody accepts application/json in UTF-8 (the default when no charset is named).
func isJSONBody(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != mediaJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

func (postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	acc := negotiate(r.Header.Values("Accept"))
	if acc.none() {
		refuse(w, mediaJSON, http.StatusNotAcceptable, requestError(CodeNotAcceptable,
			"Accept allows none of %s, %s, %s", mediaGraphQLResponse, mediaJSON, mediaMultipart))
		return
	}
	media := orJSON(acc.json)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, media, http.StatusRequestEntityTooLarge, requestError(codeBodyTooLarge,
				"the request body is over the limit of %d bytes", tooBig.Limit))
			return
		}
		refuse(w, media, http.StatusBadRequest, requestError(CodeBadRequest, "the request body could not be read"))
		return
	}
	params := &graphql.RawParams{ReadTime: graphql.TraceTiming{Start: start}}
	if err := decodeObject(body, params); err != nil {
		refuse(w, media, http.StatusBadRequest, requestError(CodeBadRequest,
			"the body must be a JSON object with query (string), operationName (string), variables and extensions (objects): %s", jsonProblem(err)))
		return
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(w, media, http.StatusBadRequest, requestError(CodeBadRequest, "the query is missing"))
		return
	}
	serve(w, r, exec, acc, params, body, 0)
}

// decodeObject decodes exactly one JSON object into v, numbers kept exact.
func decodeObject(b []byte, v any) error {
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// jsonProblem describes a decoding error without quoting the body (it may hold secrets).
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("%s has the wrong type (%s)", typeErr.Field, typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("invalid JSON at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	}
	return err.Error()
}

// refuseTransport answers what no other transport takes: a POST of another media type (415)
// and any other method (405), both naming what is allowed.
type refuseTransport struct{}

func (refuseTransport) Supports(*http.Request) bool { return true }

func (refuseTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	switch {
	case r.Method == http.MethodPost && r.Header.Get("Upgrade") == "":
		w.Header().Set("Accept-Post", mediaJSON)
		refuse(w, mediaJSON, http.StatusUnsupportedMediaType, requestError(CodeUnsupportedMediaType,
			"send the request as Content-Type: application/json (UTF-8)"))
	default:
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		refuse(w, mediaJSON, http.StatusMethodNotAllowed, requestError(CodeMethodNotAllowed,
			"GraphQL is served over GET (queries) and POST"))
	}
}
