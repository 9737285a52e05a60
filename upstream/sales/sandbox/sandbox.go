package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"custgraph/upstream/sales"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// APIKey is the sandbox's only valid API key (sent as "Authorization: Bearer <APIKey>").
const APIKey = "sk_sandbox_custgraph_sales_v1"

// maxIdempotencyKeyLen follows the common vendor limit for idempotency keys.
const maxIdempotencyKeyLen = 255

// Options configure a Simulator.
type Options struct {
	// Seed is the shared data set; the zero Dataset means seed.Generate(seed.Options{}).
	Seed seed.Dataset
	// Latency is added to every contract request.
	Latency time.Duration
}

// Simulator is the sales API sandbox: an http.Handler serving /v1/sales/... and /_sim/...
type Simulator struct {
	st  *store
	srv *sim.Server
}

// New seeds a Simulator from opts.
func New(opts Options) *Simulator {
	ds := opts.Seed
	if len(ds.Customers) == 0 && len(ds.Groups) == 0 && len(ds.Categories) == 0 {
		ds = seed.Generate(seed.Options{})
	}
	s := &Simulator{st: newStore(ds)}
	mux := http.NewServeMux()
	s.routes(mux)
	s.srv = sim.NewServer(mux, s.st, sim.Options{Latency: opts.Latency})
	return s
}

// ClientConfig is the sales.Config that reaches a Simulator served at baseURL (scheme, host and
// any mount prefix) with the sandbox API key.
func ClientConfig(baseURL string) sales.Config {
	return sales.Config{BaseURL: strings.TrimSuffix(baseURL, "/") + "/v1/sales", APIKey: APIKey}
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.srv.ServeHTTP(w, r) }

// Server is the sim.Server around the routes: stats, reset and fault injection.
func (s *Simulator) Server() *sim.Server { return s.srv }

// Writes is the number of PATCHes applied since the last reset; idempotent replays and
// rejected PATCHes do not count.
func (s *Simulator) Writes() int64 {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return s.st.writes
}

const prefix = "/v1/sales"

func (s *Simulator) routes(mux *http.ServeMux) {
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request) *apiError) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if e := authenticate(r); e != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sales"`)
				writeError(w, e)
				return
			}
			if e := h(w, r); e != nil {
				writeError(w, e)
			}
		})
	}
	st := s.st
	handle("GET "+prefix+"/customers", st.listCustomers)
	handle("GET "+prefix+"/customers/{id}", st.getCustomer)
	handle("PATCH "+prefix+"/customers/{id}", st.patchCustomer)
	handle("GET "+prefix+"/addresses", st.listAddresses)
	handle("GET "+prefix+"/addresses/{id}", st.getAddress)
	handle("GET "+prefix+"/account_groups", st.listGroups)
	handle("GET "+prefix+"/account_groups/{id}", st.getGroup)
	handle("/", func(w http.ResponseWriter, r *http.Request) *apiError {
		return &apiError{http.StatusNotFound, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeURLInvalid,
			Message: fmt.Sprintf("Unrecognized request URL (%s: %s).", r.Method, clip(r.URL.Path))}}
	})
}

// authenticate checks the bearer API key. It never echoes what was sent.
func authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &apiError{http.StatusUnauthorized, wireErrorBody{Type: sales.ErrorTypeAuthentication,
			Code: sales.CodeAPIKeyMissing, Message: "No API key provided: send it as a bearer token in the Authorization header."}}
	}
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(APIKey)) != 1 {
		return &apiError{http.StatusUnauthorized, wireErrorBody{Type: sales.ErrorTypeAuthentication,
			Code: sales.CodeAPIKeyInvalid, Message: "Invalid API key provided."}}
	}
	return nil
}

func writeError(w http.ResponseWriter, e *apiError) {
	sim.WriteJSON(w, e.status, wireError{Error: e.body})
}

func notFound(what, id string) *apiError {
	return &apiError{http.StatusNotFound, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
		Code: sales.CodeResourceMissing, Message: fmt.Sprintf("No such %s: %q", what, clip(id)), Param: "id"}}
}

// WriteFault renders an injected fault in the vendor's error shape (sim.Upstream). A 429 always
// carries Retry-After (1 s when the fault names none), as the vendor's rate limiter does.
func (s *store) WriteFault(w http.ResponseWriter, _ *http.Request, f sim.Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	body := wireErrorBody{Type: sales.ErrorTypeAPI, Message: "The service is temporarily unavailable; retry later."}
	switch {
	case f.Kind == sim.FaultConcurrency:
		status = http.StatusTooManyRequests
		body = wireErrorBody{Type: sales.ErrorTypeRateLimit, Code: sales.CodeConcurrencyLimit,
			Message: "Too many concurrent requests; retry after the time in Retry-After."}
	case f.Kind == sim.FaultRateLimited || status == http.StatusTooManyRequests:
		status = http.StatusTooManyRequests
		body = wireErrorBody{Type: sales.ErrorTypeRateLimit, Code: sales.CodeRateLimit,
			Message: "Request rate limit exceeded; retry after the time in Retry-After."}
	case status == http.StatusServiceUnavailable:
		body.Code = sales.CodeServiceUnavailable
	case status == http.StatusUnauthorized:
		body = wireErrorBody{Type: sales.ErrorTypeAuthentication, Code: sales.CodeAPIKeyInvalid, Message: "Invalid API key provided."}
	case status == http.StatusNotFound:
		body = wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeResourceMissing, Message: "No such resource."}
	case status < 500:
		body = wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Message: "The request was rejected (injected fault)."}
	default:
		body.Message = "An internal error occurred (injected fault)."
	}
	retry := f.RetryAfter
	if retry <= 0 && status == http.StatusTooManyRequests {
		retry = 1
	}
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	writeError(w, &apiError{status, body})
}

func (s *store) listCustomers(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := parseQuery(r.URL.RawQuery, "limit", "cursor", "include[]", "ids[]", "numbers[]", "status", "parent_account_id", "q")
	if e != nil {
		return e
	}
	limit, cur, ids, byID, e := q.page()
	if e != nil {
		return e
	}
	inc, e := q.includes()
	if e != nil {
		return e
	}
	numbers, byNumber, e := q.list("numbers")
	if e != nil {
		return e
	}
	status, e := q.enum("status", sales.StatusNormal, sales.StatusPreferred, sales.StatusHoldShipment)
	if e != nil {
		return e
	}
	parent, e := q.single("parent_account_id")
	if e != nil {
		return e
	}
	text, e := q.single("q")
	if e != nil {
		return e
	}
	text = strings.ToLower(text)
	idSet, numberSet := setOf(ids), setOf(numbers)

	s.mu.Lock()
	var items []*customerRec
	for _, id := range s.order {
		c := s.customers[id]
		if (byID && !idSet[c.ID]) || (byNumber && !numberSet[c.Number]) ||
			(status != "" && c.Status != status) || (parent != "" && c.ParentID != parent) ||
			(text != "" && !strings.Contains(strings.ToLower(c.Name), text)) {
			continue
		}
		items = append(items, c)
	}
	page, info := paginate(items, (*customerRec).key, limit, cur)
	data := make([]*wireCustomer, 0, len(page))
	for _, c := range page {
		data = append(data, s.renderCustomer(c, inc))
	}
	s.mu.Unlock()
	sim.WriteJSON(w, http.StatusOK, newList(data, info))
	return nil
}

func (s *store) getCustomer(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := parseQuery(r.URL.RawQuery, "include[]")
	if e != nil {
		return e
	}
	inc, e := q.includes()
	if e != nil {
		return e
	}
	id := r.PathValue("id")
	s.mu.Lock()
	c := s.customers[id]
	var out *wireCustomer
	if c != nil {
		out = s.renderCustomer(c, inc)
	}
	s.mu.Unlock()
	if out == nil {
		return notFound("customer", id)
	}
	sim.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *store) patchCustomer(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := parseQuery(r.URL.RawQuery, "include[]")
	if e != nil {
		return e
	}
	inc, e := q.includes()
	if e != nil {
		return e
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{http.StatusRequestEntityTooLarge, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
				Code: sales.CodeParameterInvalid, Message: "The request body is too large."}}
		}
		return &apiError{http.StatusBadRequest, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
			Code: sales.CodeParameterInvalid, Message: "The request body could not be read."}}
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKeyLen {
		return invalidParam("Idempotency-Key", "Idempotency-Key must be at most %d characters.", maxIdempotencyKeyLen)
	}
	id := r.PathValue("id")

	s.mu.Lock()
	defer s.mu.Unlock() // held through apply and save: a concurrent retry with the same key replays
	now := s.now()
	var fp string
	if key != "" {
		fp = fingerprint(r.Method, r.URL.EscapedPath(), q.v["include[]"], body)
		if prev := s.idem.lookup(key, now); prev != nil {
			if prev.fingerprint != fp {
				return &apiError{http.StatusConflict, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
					Code: sales.CodeIdempotencyKeyReused, Param: "Idempotency-Key",
					Message: "This Idempotency-Key was already used with a different request within the last 24 hours."}}
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
			return nil
		}
	}
	c := s.customers[id]
	if c == nil {
		return notFound("customer", id)
	}
	p, e := parsePatch(body)
	if e != nil {
		return e
	}
	n, e := s.apply(c, p)
	if e != nil {
		return e
	}
	// updated_at moves forward on every applied PATCH, even when the clock has not.
	n.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	if !n.UpdatedAt.After(c.UpdatedAt) {
		n.UpdatedAt = c.UpdatedAt.Add(time.Millisecond)
	}
	s.customers[id] = n
	if n.Number != c.Number {
		delete(s.byNumber, c.Number)
		s.byNumber[n.Number] = id
		s.sortCustomers()
	}
	s.writes++
	out, err := json.Marshal(s.renderCustomer(n, inc))
	if err != nil {
		return &apiError{http.StatusInternalServerError, wireErrorBody{Type: sales.ErrorTypeAPI, Message: "Could not encode the customer."}}
	}
	out = append(out, '\n')
	if key != "" {
		s.idem.save(&idemEntry{key: key, fingerprint: fp, at: now, status: http.StatusOK, body: out})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return nil
}

func (s *store) listAddresses(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := parseQuery(r.URL.RawQuery, "limit", "cursor", "ids[]")
	if e != nil {
		return e
	}
	limit, cur, ids, byID, e := q.page()
	if e != nil {
		return e
	}
	// Addresses never change after seeding, so no lock is needed to read them.
	var items []*wireAddress
	for _, id := range s.addressOrder {
		if !byID || slices.Contains(ids, id) {
			items = append(items, s.addresses[id])
		}
	}
	page, info := paginate(items, func(a *wireAddress) sortKey { return sortKey{ID: a.ID} }, limit, cur)
	sim.WriteJSON(w, http.StatusOK, newList(page, info))
	return nil
}

func (s *store) getAddress(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := parseQuery(r.URL.RawQuery); e != nil {
		return e
	}
	a := s.addresses[r.PathValue("id")]
	if a == nil {
		return notFound("address", r.PathValue("id"))
	}
	sim.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (s *store) listGroups(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := parseQuery(r.URL.RawQuery, "limit", "cursor", "ids[]", "type")
	if e != nil {
		return e
	}
	limit, cur, ids, byID, e := q.page()
	if e != nil {
		return e
	}
	typ, e := q.enum("type", sales.GroupTypePricing, sales.GroupTypeType)
	if e != nil {
		return e
	}
	var items []*wireGroup
	for _, id := range s.groupOrder {
		g := s.groups[id]
		if (!byID || slices.Contains(ids, id)) && (typ == "" || g.Type == typ) {
			items = append(items, g)
		}
	}
	page, info := paginate(items, func(g *wireGroup) sortKey { return sortKey{ID: g.ID} }, limit, cur)
	sim.WriteJSON(w, http.StatusOK, newList(page, info))
	return nil
}

func (s *store) getGroup(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := parseQuery(r.URL.RawQuery); e != nil {
		return e
	}
	g := s.groups[r.PathValue("id")]
	if g == nil {
		return notFound("account group", r.PathValue("id"))
	}
	sim.WriteJSON(w, http.StatusOK, g)
	return nil
}

func setOf(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}
