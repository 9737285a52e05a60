package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"

	"custgraph/upstream/seed"
)

// idSpace is the uuid v5 namespace of every id the simulator makes, so ids are the same on every
// run and in every process.
var idSpace = uuid.MustParse("6f1c2a52-8d0e-5b8e-9a43-2f6a0c3d9e71")

func makeID(kind, name string) string {
	return uuid.NewSHA1(idSpace, []byte(kind+":"+name)).String()
}

// seedEpoch is the createdAt of the first seeded resource.
var seedEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

type group struct {
	id             string
	version        int64
	key            string
	name           string
	createdAt      time.Time
	lastModifiedAt time.Time
	custom         *customFields
}

type customFields struct {
	typeID string
	fields map[string]json.RawMessage
}

func (g *group) clone() *group {
	c := *g
	if g.custom != nil {
		cf := *g.custom
		cf.fields = maps.Clone(g.custom.fields)
		c.custom = &cf
	}
	return &c
}

type customer struct {
	id             string
	version        int64
	number         string
	email          string
	companyName    string
	createdAt      time.Time
	lastModifiedAt time.Time
	group          string   // primary customerGroup id, "" none
	assignments    []string // customerGroupAssignments ids, in order
}

func (c *customer) clone() *customer {
	cc := *c
	cc.assignments = append([]string(nil), c.assignments...)
	return &cc
}

// seedStore builds the store for d: every seed group, and every seed customer with its first
// group as customerGroup and all its groups as assignments.
func seedStore(d seed.Dataset) (map[string]*group, map[string]*customer) {
	groups := make(map[string]*group, len(d.Groups))
	ids := make([]string, len(d.Groups))
	for i, sg := range d.Groups {
		t := seedEpoch.Add(time.Duration(i) * time.Minute)
		g := &group{id: makeID("customer-group", sg.Key), version: 1, key: sg.Key, name: sg.Name,
			createdAt: t, lastModifiedAt: t}
		groups[g.id] = g
		ids[i] = g.id
	}
	customers := make(map[string]*customer, len(d.Customers))
	for _, sc := range d.Customers {
		t := seedEpoch.Add(24*time.Hour + time.Duration(sc.Index)*time.Minute)
		c := &customer{id: makeID("customer", sc.Number), version: 1, number: sc.Number,
			email:       strings.ToLower(sc.Number) + "@example.com",
			companyName: sc.Name, createdAt: t, lastModifiedAt: t}
		for i, gi := range sc.Groups {
			if gi < 0 || gi >= len(ids) {
				continue
			}
			if i == 0 {
				c.group = ids[gi]
			}
			c.assignments = append(c.assignments, ids[gi])
		}
		customers[c.id] = c
	}
	return groups, customers
}

// JSON shapes, in commercetools' field order.

type modifiedByJSON struct {
	ClientID         string `json:"clientId"`
	IsPlatformClient bool   `json:"isPlatformClient"`
}

type typeRefJSON struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id"`
}

type customJSON struct {
	Type   typeRefJSON                `json:"type"`
	Fields map[string]json.RawMessage `json:"fields"`
}

type groupJSON struct {
	ID             string         `json:"id"`
	Version        int64          `json:"version"`
	CreatedAt      string         `json:"createdAt"`
	LastModifiedAt string         `json:"lastModifiedAt"`
	LastModifiedBy modifiedByJSON `json:"lastModifiedBy"`
	CreatedBy      modifiedByJSON `json:"createdBy"`
	Key            string         `json:"key,omitempty"`
	Name           string         `json:"name"`
	Custom         *customJSON    `json:"custom,omitempty"`
}

func (g *group) json() groupJSON {
	by := modifiedByJSON{ClientID: sandboxClientID}
	out := groupJSON{ID: g.id, Version: g.version, CreatedAt: formatTime(g.createdAt),
		LastModifiedAt: formatTime(g.lastModifiedAt), LastModifiedBy: by, CreatedBy: by,
		Key: g.key, Name: g.name}
	if g.custom != nil {
		f := g.custom.fields
		if f == nil {
			f = map[string]json.RawMessage{}
		}
		out.Custom = &customJSON{Type: typeRefJSON{TypeID: "type", ID: g.custom.typeID}, Fields: f}
	}
	return out
}

type referenceJSON struct {
	TypeID string     `json:"typeId"`
	ID     string     `json:"id"`
	Obj    *groupJSON `json:"obj,omitempty"`
}

type assignmentJSON struct {
	CustomerGroup referenceJSON `json:"customerGroup"`
}

type customerJSON struct {
	ID                       string           `json:"id"`
	Version                  int64            `json:"version"`
	CustomerNumber           string           `json:"customerNumber"`
	Email                    string           `json:"email"`
	CompanyName              string           `json:"companyName,omitempty"`
	Addresses                []struct{}       `json:"addresses"`
	ShippingAddressIDs       []string         `json:"shippingAddressIds"`
	BillingAddressIDs        []string         `json:"billingAddressIds"`
	IsEmailVerified          bool             `json:"isEmailVerified"`
	CustomerGroup            *referenceJSON   `json:"customerGroup,omitempty"`
	CustomerGroupAssignments []assignmentJSON `json:"customerGroupAssignments"`
	Stores                   []struct{}       `json:"stores"`
	AuthenticationMode       string           `json:"authenticationMode"`
	CreatedAt                string           `json:"createdAt"`
	LastModifiedAt           string           `json:"lastModifiedAt"`
	LastModifiedBy           modifiedByJSON   `json:"lastModifiedBy"`
	CreatedBy                modifiedByJSON   `json:"createdBy"`
}

// expansion says which group references of a customer to expand.
type expansion struct{ primary, assignments bool }

func parseExpand(paths []string) expansion {
	var e expansion
	for _, p := range paths {
		switch strings.ReplaceAll(p, " ", "") {
		case "customerGroup":
			e.primary = true
		case "customerGroupAssignments[*].customerGroup":
			e.assignments = true
		}
	}
	return e
}

// customerJSON renders c; caller holds s.mu (expansion reads groups). A reference to a deleted
// group stays, unexpanded.
func (s *Simulator) customerJSON(c *customer, e expansion) customerJSON {
	ref := func(id string, expand bool) referenceJSON {
		r := referenceJSON{TypeID: "customer-group", ID: id}
		if g, ok := s.groups[id]; ok && expand {
			j := g.json()
			r.Obj = &j
		}
		return r
	}
	by := modifiedByJSON{ClientID: sandboxClientID}
	out := customerJSON{ID: c.id, Version: c.version, CustomerNumber: c.number, Email: c.email,
		CompanyName: c.companyName, Addresses: []struct{}{}, ShippingAddressIDs: []string{},
		BillingAddressIDs: []string{}, CustomerGroupAssignments: []assignmentJSON{},
		Stores: []struct{}{}, AuthenticationMode: "Password", CreatedAt: formatTime(c.createdAt),
		LastModifiedAt: formatTime(c.lastModifiedAt), LastModifiedBy: by, CreatedBy: by}
	if c.group != "" {
		r := ref(c.group, e.primary)
		out.CustomerGroup = &r
	}
	for _, id := range c.assignments {
		out.CustomerGroupAssignments = append(out.CustomerGroupAssignments, assignmentJSON{ref(id, e.assignments)})
	}
	return out
}

// Records for where evaluation.

type groupRecord struct{ g *group }

func (r groupRecord) value(f string) (string, bool) {
	switch f {
	case "id":
		return r.g.id, true
	case "name":
		return r.g.name, true
	case "key":
		return r.g.key, r.g.key != ""
	}
	return "", false
}

func (groupRecord) nested(string) []record { return nil }

type refRecord struct{ id string }

func (r refRecord) value(f string) (string, bool) {
	switch f {
	case "id":
		return r.id, true
	case "typeId":
		return "customer-group", true
	}
	return "", false
}

func (refRecord) nested(string) []record { return nil }

type assignmentRecord struct{ id string }

func (assignmentRecord) value(string) (string, bool) { return "", false }
func (r assignmentRecord) nested(f string) []record {
	if f == "customerGroup" {
		return []record{refRecord{r.id}}
	}
	return nil
}

type customerRecord struct{ c *customer }

func (r customerRecord) value(f string) (string, bool) {
	switch f {
	case "id":
		return r.c.id, true
	case "customerNumber":
		return r.c.number, r.c.number != ""
	case "email":
		return r.c.email, true
	case "companyName":
		return r.c.companyName, r.c.companyName != ""
	}
	return "", false
}

func (r customerRecord) nested(f string) []record {
	switch f {
	case "customerGroup":
		if r.c.group != "" {
			return []record{refRecord{r.c.group}}
		}
	case "customerGroupAssignments":
		out := make([]record, len(r.c.assignments))
		for i, id := range r.c.assignments {
			out[i] = assignmentRecord{id}
		}
		return out
	}
	return nil
}

// sortValue is the value a sort field orders by, and whether it is set.
func (g *group) sortValue(field string) (string, bool) {
	switch field {
	case "id":
		return g.id, true
	case "name":
		return g.name, true
	case "key":
		return g.key, g.key != ""
	case "createdAt":
		return formatTime(g.createdAt), true
	case "lastModifiedAt":
		return formatTime(g.lastModifiedAt), true
	}
	panic(fmt.Sprintf("sandbox: unsortable group field %q", field))
}

func (c *customer) sortValue(field string) (string, bool) {
	switch field {
	case "id":
		return c.id, true
	case "customerNumber":
		return c.number, c.number != ""
	case "email":
		return c.email, true
	case "createdAt":
		return formatTime(c.createdAt), true
	case "lastModifiedAt":
		return formatTime(c.lastModifiedAt), true
	}
	panic(fmt.Sprintf("sandbox: unsortable customer field %q", field))
}
