package sandbox

import (
	"crypto/ecdsa"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// customerIDBase is added to a seed customer's index to make its internal id; it keeps customer
// ids apart from category ids so a client mixing them up is caught.
const customerIDBase = 5001

type category struct {
	id       int64
	name     string
	inactive bool
}

type customer struct {
	id          int64
	entityID    string
	externalID  string
	companyName string
	category    int64 // 0 = none
	inactive    bool
}

// backend is the simulator's store and routes; it is the sim.Upstream of the Server.
type backend struct {
	seed   seed.Dataset
	tokens *sim.Tokens
	pub    *ecdsa.PublicKey

	mu        sync.Mutex
	cats      map[int64]*category
	nextCatID int64
	custs     map[int64]*customer
}

func newBackend(ds seed.Dataset, tokens *sim.Tokens, pub *ecdsa.PublicKey) *backend {
	b := &backend{seed: ds, tokens: tokens, pub: pub}
	b.Reset()
	return b
}

// Reset puts the store back to the seed.
func (b *backend) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cats = make(map[int64]*category, len(b.seed.Categories))
	b.nextCatID = 1
	for _, c := range b.seed.Categories {
		id, err := strconv.ParseInt(c.ID, 10, 64)
		if err != nil || id <= 0 {
			continue // the seed's ids are "1".."n"; anything else cannot be a NetSuite id
		}
		b.cats[id] = &category{id: id, name: c.Name, inactive: c.Inactive}
		b.nextCatID = max(b.nextCatID, id+1)
	}
	b.custs = make(map[int64]*customer, len(b.seed.Customers))
	for _, c := range b.seed.Customers {
		cu := &customer{id: int64(customerIDBase + c.Index), entityID: c.Number, externalID: c.Number, companyName: c.Name}
		if c.Category >= 0 && c.Category < len(b.seed.Categories) {
			cu.category, _ = strconv.ParseInt(b.seed.Categories[c.Category].ID, 10, 64)
		}
		b.custs[cu.id] = cu
	}
}

// sortedCategories returns copies of the categories by id. Callers hold mu.
func (b *backend) sortedCategories() []category {
	out := make([]category, 0, len(b.cats))
	for _, c := range b.cats {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(x, y category) int { return cmpInt(x.id, y.id) })
	return out
}

// sortedCustomers returns copies of the customers by id. Callers hold mu.
func (b *backend) sortedCustomers() []customer {
	out := make([]customer, 0, len(b.custs))
	for _, c := range b.custs {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(x, y customer) int { return cmpInt(x.id, y.id) })
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nameTaken reports whether another category (not except) has name, ignoring case and
// surrounding spaces. Callers hold mu.
func (b *backend) nameTaken(name string, except int64) bool {
	n := strings.TrimSpace(name)
	for _, c := range b.cats {
		if c.id != except && strings.EqualFold(strings.TrimSpace(c.name), n) {
			return true
		}
	}
	return false
}

// inUse reports whether any customer has category id. Callers hold mu.
func (b *backend) inUse(id int64) bool {
	for _, c := range b.custs {
		if c.category == id {
			return true
		}
	}
	return false
}

// parseID reads a record id from a path: digits only, as NetSuite internal ids are.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// WriteFault answers an injected fault in NetSuite's error shape.
func (b *backend) WriteFault(w http.ResponseWriter, _ *http.Request, f sim.Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	switch {
	case f.Kind == sim.FaultConcurrency || f.Kind == sim.FaultRateLimited || f.Status == http.StatusTooManyRequests:
		writeError(w, http.StatusTooManyRequests, codeConcurrency,
			"Concurrent request limit exceeded. Request blocked.", errorWhere{})
	case f.Status >= 500:
		msg := "An unexpected error occurred. Try again later."
		if f.Status == http.StatusServiceUnavailable {
			msg = "The service is temporarily unavailable. Try again later."
		}
		writeError(w, f.Status, "UNEXPECTED_ERROR", msg, errorWhere{})
	case f.Status == http.StatusUnauthorized:
		writeError(w, f.Status, codeLogin, invalidLoginDetail, errorWhere{})
	case f.Status == http.StatusForbidden:
		writeError(w, f.Status, "INSUFFICIENT_PERMISSION", "Permission violation: injected fault.", errorWhere{})
	case f.Status == http.StatusNotFound:
		writeError(w, f.Status, codeNotFound, nonexistentDetail, errorWhere{})
	default:
		writeError(w, f.Status, "USER_ERROR", "Error while accessing a resource. Injected fault.", errorWhere{})
	}
}
