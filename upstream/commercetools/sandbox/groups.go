package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"custgraph/upstream/sim"
)

var groupSortable = []string{"id", "name", "key", "createdAt", "lastModifiedAt"}

// keyPattern is commercetools' rule for resource keys.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{2,256}$`)

// lookupGroup finds the group a {ref} path segment names ("<id>" or "key=<key>"); caller holds
// s.mu. When absent it writes the 404 and returns nil.
func (s *Simulator) lookupGroup(w http.ResponseWriter, ref string) *group {
	if key, ok := strings.CutPrefix(ref, "key="); ok {
		for _, g := range s.groups {
			if g.key == key {
				return g
			}
		}
		writeErrors(w, http.StatusNotFound, ctError{Code: "ResourceNotFound",
			Message: fmt.Sprintf("The Resource with key '%s' was not found.", key)})
		return nil
	}
	if g, ok := s.groups[ref]; ok {
		return g
	}
	writeErrors(w, http.StatusNotFound, ctError{Code: "ResourceNotFound",
		Message: fmt.Sprintf("The Resource with ID '%s' was not found.", ref)})
	return nil
}

func (s *Simulator) getGroup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.lookupGroup(w, r.PathValue("ref")); g != nil {
		sim.WriteJSON(w, http.StatusOK, g.json())
	}
}

func (s *Simulator) queryGroups(w http.ResponseWriter, r *http.Request) {
	p, ok := parseQuery(w, r.URL.Query(), groupSchema, groupSortable)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*group
	for _, g := range s.groups {
		if p.where.eval(groupRecord{g}) {
			matched = append(matched, g)
		}
	}
	total := len(matched)
	page := sortAndPage(matched, p.sort, (*group).sortValue, p.limit, p.offset)
	out := pagedResult[groupJSON]{Limit: p.limit, Offset: p.offset, Count: len(page), Results: make([]groupJSON, len(page))}
	if p.withTotal {
		out.Total = &total
	}
	for i, g := range page {
		out.Results[i] = g.json()
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// decodeBody reads a JSON request body into v, writing the 400 InvalidJsonInput on failure.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		invalidJSON(w, "request body too large or unreadable")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		invalidJSON(w, jsonDetail(err))
		return false
	}
	if dec.More() {
		invalidJSON(w, "unexpected data after the JSON value")
		return false
	}
	return true
}

func jsonDetail(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field + ": JSON " + te.Value + " cannot be read as " + te.Type.String() + "."
	}
	return "malformed JSON"
}

// typeIdentifier is a ResourceIdentifier of a custom Type.
type typeIdentifier struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id"`
	Key    string `json:"key"`
}

func (t *typeIdentifier) resolve() (string, string) {
	switch {
	case t.TypeID != "" && t.TypeID != "type":
		return "", "type.typeId: must be 'type'."
	case t.ID != "":
		return t.ID, ""
	case t.Key != "":
		return makeID("type", t.Key), ""
	}
	return "", "type: either 'id' or 'key' is required."
}

type customDraft struct {
	Type   *typeIdentifier            `json:"type"`
	Fields map[string]json.RawMessage `json:"fields"`
}

// toCustom turns a custom draft into stored custom fields, or returns the detail of a 400.
func (d *customDraft) toCustom() (*customFields, string) {
	if d.Type == nil {
		return nil, "custom.type: Missing required value."
	}
	id, bad := d.Type.resolve()
	if bad != "" {
		return nil, "custom." + bad
	}
	fields := map[string]json.RawMessage{}
	for k, v := range d.Fields {
		if !isNull(v) {
			fields[k] = v
		}
	}
	return &customFields{typeID: id, fields: fields}, ""
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(bytes.TrimSpace(v)) == "null" }

// duplicate reports a group other than self with the same name or key; caller holds s.mu.
func (s *Simulator) duplicate(self *group, field, value string) bool {
	for _, g := range s.groups {
		if g.id == self.id {
			continue
		}
		if (field == "name" && g.name == value) || (field == "key" && g.key == value) {
			return true
		}
	}
	return false
}

func duplicateField(w http.ResponseWriter, field, value string) {
	writeErrors(w, http.StatusBadRequest, ctError{Code: "DuplicateField",
		Message: fmt.Sprintf("A duplicate value '\"%s\"' exists for field '%s'.", value, field),
		Field:   field, DuplicateValue: value})
}

func (s *Simulator) createGroup(w http.ResponseWriter, r *http.Request) {
	var d struct {
		GroupName *string      `json:"groupName"`
		Key       *string      `json:"key"`
		Custom    *customDraft `json:"custom"`
	}
	if !decodeBody(w, r, &d) {
		return
	}
	if d.GroupName == nil || *d.GroupName == "" {
		invalidJSON(w, "groupName: Missing required value.")
		return
	}
	g := &group{version: 1, name: *d.GroupName}
	if d.Key != nil {
		if !keyPattern.MatchString(*d.Key) {
			invalidJSON(w, "key: must match "+keyPattern.String()+".")
			return
		}
		g.key = *d.Key
	}
	if d.Custom != nil {
		cf, bad := d.Custom.toCustom()
		if bad != "" {
			invalidJSON(w, bad)
			return
		}
		g.custom = cf
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.groups) >= maxGroups {
		writeErrors(w, http.StatusBadRequest, ctError{Code: "MaxResourceLimitExceeded",
			Message:          fmt.Sprintf("You have exceeded the limit of %d resources of type 'customer-group'.", maxGroups),
			ExceededResource: "customer-group"})
		return
	}
	if s.duplicate(g, "name", g.name) {
		duplicateField(w, "name", g.name)
		return
	}
	if g.key != "" && s.duplicate(g, "key", g.key) {
		duplicateField(w, "key", g.key)
		return
	}
	s.createSeq++
	g.id = makeID("customer-group-created", strconv.Itoa(s.createSeq))
	g.createdAt = s.now().UTC()
	g.lastModifiedAt = g.createdAt
	s.groups[g.id] = g
	sim.WriteJSON(w, http.StatusCreated, g.json())
}

type updateRequest struct {
	Version *int64            `json:"version"`
	Actions []json.RawMessage `json:"actions"`
}

// checkVersion writes the 400 or 409 for a missing or stale version.
func checkVersion(w http.ResponseWriter, given *int64, id string, current int64) bool {
	if given == nil {
		writeErrors(w, http.StatusBadRequest, ctError{Code: "MissingVersion",
			Message: "A version is required for this operation."})
		return false
	}
	if *given != current {
		writeErrors(w, http.StatusConflict, ctError{Code: "ConcurrentModification",
			Message: fmt.Sprintf("Object %s has a different version than expected. Expected: %d - Actual: %d.",
				id, *given, current),
			CurrentVersion: current})
		return false
	}
	return true
}

func (s *Simulator) updateGroup(w http.ResponseWriter, r *http.Request) {
	var req updateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Version == nil {
		checkVersion(w, nil, "", 0)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.lookupGroup(w, r.PathValue("ref"))
	if cur == nil || !checkVersion(w, req.Version, cur.id, cur.version) {
		return
	}
	if len(req.Actions) == 0 {
		sim.WriteJSON(w, http.StatusOK, cur.json())
		return
	}
	g := cur.clone()
	for _, raw := range req.Actions {
		if !s.applyGroupAction(w, g, raw) {
			return
		}
	}
	g.version++
	g.lastModifiedAt = s.now().UTC()
	s.groups[g.id] = g
	sim.WriteJSON(w, http.StatusOK, g.json())
}

// applyGroupAction applies one action to g (a copy); on a bad action it writes the error.
func (s *Simulator) applyGroupAction(w http.ResponseWriter, g *group, raw json.RawMessage) bool {
	var a struct {
		Action string                     `json:"action"`
		Name   *string                    `json:"name"`
		Key    *string                    `json:"key"`
		Type   *typeIdentifier            `json:"type"`
		Fields map[string]json.RawMessage `json:"fields"`
		Value  json.RawMessage            `json:"value"`
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		invalidJSON(w, "actions: "+jsonDetail(err))
		return false
	}
	switch a.Action {
	case "changeName":
		if a.Name == nil || *a.Name == "" {
			invalidJSON(w, "actions.changeName.name: Missing required value.")
			return false
		}
		if s.duplicate(g, "name", *a.Name) {
			duplicateField(w, "name", *a.Name)
			return false
		}
		g.name = *a.Name
	case "setKey":
		if a.Key == nil || *a.Key == "" {
			g.key = ""
			return true
		}
		if !keyPattern.MatchString(*a.Key) {
			invalidJSON(w, "actions.setKey.key: must match "+keyPattern.String()+".")
			return false
		}
		if s.duplicate(g, "key", *a.Key) {
			duplicateField(w, "key", *a.Key)
			return false
		}
		g.key = *a.Key
	case "setCustomType":
		if a.Type == nil {
			g.custom = nil
			return true
		}
		cf, bad := (&customDraft{Type: a.Type, Fields: a.Fields}).toCustom()
		if bad != "" {
			invalidJSON(w, "actions.setCustomType."+strings.TrimPrefix(bad, "custom."))
			return false
		}
		g.custom = cf
	case "setCustomField":
		if a.Name == nil || *a.Name == "" {
			invalidJSON(w, "actions.setCustomField.name: Missing required value.")
			return false
		}
		if g.custom == nil {
			writeErrors(w, http.StatusBadRequest, ctError{Code: "InvalidOperation", Action: "setCustomField",
				Message: "The customer group has no custom type: set one with setCustomType first."})
			return false
		}
		if isNull(a.Value) {
			if _, ok := g.custom.fields[*a.Name]; !ok {
				writeErrors(w, http.StatusBadRequest, ctError{Code: "InvalidOperation", Action: "setCustomField",
					Message: fmt.Sprintf("Cannot remove custom field '%s' because it does not exist.", *a.Name)})
				return false
			}
			delete(g.custom.fields, *a.Name)
			return true
		}
		g.custom.fields[*a.Name] = a.Value
	default:
		invalidInput(w, fmt.Sprintf("Unknown update action '%s' for customer-group.", a.Action))
		return false
	}
	return true
}

func (s *Simulator) deleteGroup(w http.ResponseWriter, r *http.Request) {
	var version *int64
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			invalidInput(w, "Malformed parameter: version: must be an integer.")
			return
		}
		version = &n
	}
	if version == nil {
		checkVersion(w, nil, "", 0)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.lookupGroup(w, r.PathValue("ref"))
	if g == nil || !checkVersion(w, version, g.id, g.version) {
		return
	}
	// Customers keep their references: commercetools does not cascade the delete.
	delete(s.groups, g.id)
	sim.WriteJSON(w, http.StatusOK, g.json())
}
