package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"custgraph/upstream/sim"
)

var customerSortable = []string{"id", "customerNumber", "email", "createdAt", "lastModifiedAt"}

func (s *Simulator) getCustomer(w http.ResponseWriter, r *http.Request) {
	e := parseExpand(r.URL.Query()["expand"])
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.lookupCustomer(w, r.PathValue("ref")); c != nil {
		sim.WriteJSON(w, http.StatusOK, s.customerJSON(c, e))
	}
}

// lookupCustomer finds a customer by id; caller holds s.mu. When absent it writes the 404.
func (s *Simulator) lookupCustomer(w http.ResponseWriter, id string) *customer {
	if c, ok := s.customers[id]; ok {
		return c
	}
	writeErrors(w, http.StatusNotFound, ctError{Code: "ResourceNotFound",
		Message: fmt.Sprintf("The Resource with ID '%s' was not found.", id)})
	return nil
}

func (s *Simulator) queryCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, ok := parseQuery(w, q, customerSchema, customerSortable)
	if !ok {
		return
	}
	e := parseExpand(q["expand"])
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*customer
	for _, c := range s.customers {
		if p.where.eval(customerRecord{c}) {
			matched = append(matched, c)
		}
	}
	total := len(matched)
	page := sortAndPage(matched, p.sort, (*customer).sortValue, p.limit, p.offset)
	out := pagedResult[customerJSON]{Limit: p.limit, Offset: p.offset, Count: len(page), Results: make([]customerJSON, len(page))}
	if p.withTotal {
		out.Total = &total
	}
	for i, c := range page {
		out.Results[i] = s.customerJSON(c, e)
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// groupIdentifier is a ResourceIdentifier of a customer group.
type groupIdentifier struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id"`
	Key    string `json:"key"`
}

// resolveGroup returns the id of the group ri names; caller holds s.mu. On failure it writes the
// 400 and returns false.
func (s *Simulator) resolveGroup(w http.ResponseWriter, ri *groupIdentifier, path string) (string, bool) {
	if ri == nil {
		invalidJSON(w, path+": Missing required value.")
		return "", false
	}
	if ri.TypeID != "" && ri.TypeID != "customer-group" {
		invalidJSON(w, path+".typeId: must be 'customer-group'.")
		return "", false
	}
	switch {
	case ri.ID != "":
		if _, ok := s.groups[ri.ID]; ok {
			return ri.ID, true
		}
	case ri.Key != "":
		for _, g := range s.groups {
			if g.key == ri.Key {
				return g.id, true
			}
		}
	default:
		invalidJSON(w, path+": either 'id' or 'key' is required.")
		return "", false
	}
	ident := ri.ID
	if ident == "" {
		ident = ri.Key
	}
	writeErrors(w, http.StatusBadRequest, ctError{Code: "ReferencedResourceNotFound",
		Message: fmt.Sprintf("The referenced object of type 'customer-group' with identifier '%s' was not found.", ident),
		TypeID:  "customer-group", ID: ri.ID, Key: ri.Key})
	return "", false
}

func (s *Simulator) updateCustomer(w http.ResponseWriter, r *http.Request) {
	var req updateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Version == nil {
		checkVersion(w, nil, "", 0)
		return
	}
	e := parseExpand(r.URL.Query()["expand"])
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.lookupCustomer(w, r.PathValue("ref"))
	if cur == nil || !checkVersion(w, req.Version, cur.id, cur.version) {
		return
	}
	if len(req.Actions) == 0 {
		sim.WriteJSON(w, http.StatusOK, s.customerJSON(cur, e))
		return
	}
	c := cur.clone()
	for _, raw := range req.Actions {
		if !s.applyCustomerAction(w, c, raw) {
			return
		}
	}
	c.version++
	c.lastModifiedAt = s.now().UTC()
	s.customers[c.id] = c
	sim.WriteJSON(w, http.StatusOK, s.customerJSON(c, e))
}

type assignmentDraft struct {
	CustomerGroup *groupIdentifier `json:"customerGroup"`
}

func (s *Simulator) applyCustomerAction(w http.ResponseWriter, c *customer, raw json.RawMessage) bool {
	var a struct {
		Action                   string            `json:"action"`
		CustomerGroup            *groupIdentifier  `json:"customerGroup"`
		CustomerGroupAssignment  *assignmentDraft  `json:"customerGroupAssignment"`
		CustomerGroupAssignments []assignmentDraft `json:"customerGroupAssignments"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		invalidJSON(w, "actions: "+jsonDetail(err))
		return false
	}
	invalidOp := func(msg string) bool {
		writeErrors(w, http.StatusBadRequest, ctError{Code: "InvalidOperation", Message: msg, Action: a.Action})
		return false
	}
	switch a.Action {
	case "setCustomerGroup":
		if a.CustomerGroup == nil {
			c.group = ""
			return true
		}
		id, ok := s.resolveGroup(w, a.CustomerGroup, "actions.setCustomerGroup.customerGroup")
		if !ok {
			return false
		}
		c.group = id
	case "addCustomerGroupAssignment":
		if a.CustomerGroupAssignment == nil {
			invalidJSON(w, "actions.addCustomerGroupAssignment.customerGroupAssignment: Missing required value.")
			return false
		}
		id, ok := s.resolveGroup(w, a.CustomerGroupAssignment.CustomerGroup, "actions.addCustomerGroupAssignment.customerGroupAssignment.customerGroup")
		if !ok {
			return false
		}
		if slices.Contains(c.assignments, id) {
			return invalidOp(fmt.Sprintf("The customer is already assigned to customer group '%s'.", id))
		}
		c.assignments = append(c.assignments, id)
	case "removeCustomerGroupAssignment":
		ri := a.CustomerGroup
		if ri == nil {
			invalidJSON(w, "actions.removeCustomerGroupAssignment.customerGroup: Missing required value.")
			return false
		}
		// A dangling assignment (its group deleted) can still be removed by id.
		id := ri.ID
		if id == "" || !slices.Contains(c.assignments, id) {
			var ok bool
			if id, ok = s.resolveGroup(w, ri, "actions.removeCustomerGroupAssignment.customerGroup"); !ok {
				return false
			}
		}
		i := slices.Index(c.assignments, id)
		if i < 0 {
			return invalidOp(fmt.Sprintf("The customer is not assigned to customer group '%s'.", id))
		}
		c.assignments = slices.Delete(c.assignments, i, i+1)
	case "setCustomerGroupAssignments":
		ids := make([]string, 0, len(a.CustomerGroupAssignments))
		for i, d := range a.CustomerGroupAssignments {
			id, ok := s.resolveGroup(w, d.CustomerGroup, fmt.Sprintf("actions.setCustomerGroupAssignments.customerGroupAssignments[%d].customerGroup", i))
			if !ok {
				return false
			}
			if slices.Contains(ids, id) {
				return invalidOp(fmt.Sprintf("Customer group '%s' is assigned more than once.", id))
			}
			ids = append(ids, id)
		}
		c.assignments = ids
	default:
		invalidInput(w, fmt.Sprintf("Unknown update action '%s' for customer.", strings.TrimSpace(a.Action)))
		return false
	}
	return true
}
