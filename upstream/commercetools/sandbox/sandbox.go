// Package sandbox is a simulator of the commercetools HTTP API for custgraph's tests, load runs
// and local sandbox: the OAuth token endpoint, customer groups and the group references of
// customers, following section 2 of the upstream contract, seeded deterministically from a
// seed.Dataset. It must not be used in production paths and must not grow behaviour the contract
// and commercetools' documentation do not describe.
//
// Behaviour where the contract is silent, chosen from commercetools' documentation:
//
//   - Auth: POST /oauth/token with HTTP Basic and grant_type=client_credentials. Requested scopes
//     must be known scope names for this project (manage_project, view_/manage_customer_groups,
//     view_/manage_customers); none requested grants manage_project. Tokens live 48 h (172800 s).
//     Bad client credentials: 401 invalid_client; bad scope: 400 invalid_scope.
//   - API checks in this order: bearer token (401 invalid_token), project key (404
//     ResourceNotFound), scope (403 insufficient_scope; manage_* implies view_*).
//   - Groups get deterministic ids (uuid v5 of the seed key), version 1 and fixed timestamps
//     (2024-01-01T00:00:00.000Z plus one minute per seed index); created groups get uuid v5 ids
//     from a per-store sequence. Customers get uuid v5 ids from their number.
//   - Query: limit 0..500 (default 20), offset 0..10000, withTotal defaults to true, several
//     where parameters are ANDed, default order is id ascending. Sortable: groups id, name, key,
//     createdAt, lastModifiedAt; customers id, customerNumber, email, createdAt, lastModifiedAt.
//     Missing values sort last.
//   - Update: an empty actions list returns the resource unchanged (no new version); all
//     actions apply or none. Custom types are not validated (the simulator has no Types): a type
//     given by key gets a uuid v5 id.
//   - Delete: commercetools does not cascade a deleted customer group into customers: their
//     references are kept and dangle; reference expansion leaves such a reference without obj.
//   - Overload: commercetools publishes no request-rate limit and answers overload with 502/503;
//     so the concurrency fault is a 503 with Retry-After (at least 1 s). An injected 429 stays a
//     429. Fault bodies use the usual error shape with codes ServiceUnavailable, TooManyRequests
//     or General (simulator's choice: real 5xx bodies may come from infrastructure, not JSON).
//   - Customer actions: setCustomerGroup, addCustomerGroupAssignment,
//     removeCustomerGroupAssignment, setCustomerGroupAssignments. A missing group is 400
//     ReferencedResourceNotFound; adding an assignment that exists or removing one that does not
//     is 400 InvalidOperation.
//   - Unknown expansion paths are ignored; unknown endpoints answer 404 ResourceNotFound.
package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"custgraph/upstream/commercetools"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// DefaultProjectKey is the project the simulator serves unless Options.ProjectKey says otherwise.
const DefaultProjectKey = "custgraph-sandbox"

// The sandbox API client's credentials. They guard nothing real; they exist so the client's
// token flow is exercised exactly as against commercetools.
const (
	sandboxClientID     = "custgraph-sandbox-client"
	sandboxClientSecret = "custgraph-sandbox-secret"
)

const tokenTTL = 172800 * time.Second

// maxGroups is commercetools' per-project limit on customer groups.
const maxGroups = 1000

// Options configure a Simulator.
type Options struct {
	Seed       seed.Dataset  // zero: an empty project
	Latency    time.Duration // added to every contract request
	ProjectKey string        // default DefaultProjectKey
}

// Simulator is the commercetools simulator. It is an http.Handler (the sim.Server).
type Simulator struct {
	server     *sim.Server
	tokens     *sim.Tokens
	projectKey string
	seed       seed.Dataset
	now        func() time.Time // lastModifiedAt of writes; tests pin it

	mu        sync.Mutex
	groups    map[string]*group // by id
	customers map[string]*customer
	createSeq int
	scopes    map[string][]string // access token → granted scope names (without project)
}

// New returns a simulator seeded from opts.Seed.
func New(opts Options) *Simulator {
	s := &Simulator{
		tokens:     sim.NewTokens(tokenTTL),
		projectKey: opts.ProjectKey,
		seed:       opts.Seed,
		now:        time.Now,
		scopes:     map[string][]string{},
	}
	if s.projectKey == "" {
		s.projectKey = DefaultProjectKey
	}
	s.Reset()
	mux := http.NewServeMux()
	s.routes(mux)
	s.server = sim.NewServer(mux, s, sim.Options{Latency: opts.Latency, Tokens: s.tokens})
	return s
}

// Server is the sim.Server: stats, faults, reset.
func (s *Simulator) Server() *sim.Server { return s.server }

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.server.ServeHTTP(w, r) }

// ProjectKey is the project the simulator serves.
func (s *Simulator) ProjectKey() string { return s.projectKey }

// ClientConfig is a client configuration for a simulator with the default project reached at
// baseURL (both API and auth URL).
func ClientConfig(baseURL string) commercetools.Config {
	return commercetools.Config{
		APIURL:       baseURL,
		AuthURL:      baseURL,
		ProjectKey:   DefaultProjectKey,
		ClientID:     sandboxClientID,
		ClientSecret: sandboxClientSecret,
	}
}

// ClientConfig is like the package function, for this simulator's project key.
func (s *Simulator) ClientConfig(baseURL string) commercetools.Config {
	c := ClientConfig(baseURL)
	c.ProjectKey = s.projectKey
	return c
}

// Reset puts the store back to the seed. Issued tokens stay valid.
func (s *Simulator) Reset() {
	groups, customers := seedStore(s.seed)
	s.mu.Lock()
	s.groups, s.customers, s.createSeq = groups, customers, 0
	s.mu.Unlock()
}

func (s *Simulator) routes(mux *http.ServeMux) {
	readGroups := []string{"view_customer_groups", "manage_customer_groups", "view_customers", "manage_customers", "manage_project"}
	writeGroups := []string{"manage_customer_groups", "manage_customers", "manage_project"}
	readCustomers := []string{"view_customers", "manage_customers", "manage_project"}
	writeCustomers := []string{"manage_customers", "manage_project"}

	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("GET /{projectKey}/customer-groups", s.api(readGroups, s.queryGroups))
	mux.HandleFunc("POST /{projectKey}/customer-groups", s.api(writeGroups, s.createGroup))
	mux.HandleFunc("GET /{projectKey}/customer-groups/{ref}", s.api(readGroups, s.getGroup))
	mux.HandleFunc("POST /{projectKey}/customer-groups/{ref}", s.api(writeGroups, s.updateGroup))
	mux.HandleFunc("DELETE /{projectKey}/customer-groups/{ref}", s.api(writeGroups, s.deleteGroup))
	mux.HandleFunc("GET /{projectKey}/customers", s.api(readCustomers, s.queryCustomers))
	mux.HandleFunc("GET /{projectKey}/customers/{ref}", s.api(readCustomers, s.getCustomer))
	mux.HandleFunc("POST /{projectKey}/customers/{ref}", s.api(writeCustomers, s.updateCustomer))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, ctError{Code: "ResourceNotFound",
			Message: "The endpoint '" + r.Method + " " + r.URL.Path + "' does not exist."})
	})
}

// api wraps a handler with the token, project and scope checks.
func (s *Simulator) api(anyOf []string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.tokens.Valid(r) {
			writeAuthError(w, http.StatusUnauthorized, "invalid_token", "invalid_token")
			return
		}
		if r.PathValue("projectKey") != s.projectKey {
			writeErrors(w, http.StatusNotFound, ctError{Code: "ResourceNotFound",
				Message: "The project with key '" + r.PathValue("projectKey") + "' was not found."})
			return
		}
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		granted := s.scopes[tok]
		s.mu.Unlock()
		if !slices.ContainsFunc(granted, func(g string) bool { return slices.Contains(anyOf, g) }) {
			msg := "Insufficient scope. One of the following scopes is missing: " +
				strings.Join(withProject(anyOf, s.projectKey), ", ")
			writeAuthError(w, http.StatusForbidden, "insufficient_scope", msg)
			return
		}
		h(w, r)
	}
}

func withProject(names []string, project string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + ":" + project
	}
	return out
}

var knownScopes = map[string]bool{"manage_project": true, "view_customer_groups": true,
	"manage_customer_groups": true, "view_customers": true, "manage_customers": true}

// token is POST /oauth/token.
func (s *Simulator) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != sandboxClientID || secret != sandboxClientSecret {
		writeAuthError(w, http.StatusUnauthorized, "invalid_client",
			"Please provide valid client credentials using HTTP Basic Authentication.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		writeAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant type '"+gt+"' is not supported.")
		return
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	if len(requested) == 0 {
		requested = []string{"manage_project:" + s.projectKey}
	}
	granted := make([]string, 0, len(requested))
	for _, sc := range requested {
		name, project, ok := strings.Cut(sc, ":")
		if !ok || project != s.projectKey || !knownScopes[name] {
			writeAuthError(w, http.StatusBadRequest, "invalid_scope", "Invalid scope: "+sc+".")
			return
		}
		granted = append(granted, name)
	}
	if slices.Contains(granted, "manage_customer_groups") {
		granted = append(granted, "view_customer_groups")
	}
	if slices.Contains(granted, "manage_customers") {
		granted = append(granted, "view_customers")
	}
	tok, ttl := s.tokens.Issue()
	s.mu.Lock()
	s.scopes[tok] = granted
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	sim.WriteJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"expires_in":   int(ttl / time.Second),
		"scope":        strings.Join(requested, " "),
		"token_type":   "Bearer",
	})
}
