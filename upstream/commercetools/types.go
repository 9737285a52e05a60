package commercetools

import (
	"encoding/json"
	"time"
)

// Reference points at another resource. Obj holds the customer group when the reference was
// expanded and the group still exists.
type Reference struct {
	TypeID string         `json:"typeId"`
	ID     string         `json:"id"`
	Obj    *CustomerGroup `json:"obj,omitempty"`
}

// CustomerGroup is a commercetools customer group.
type CustomerGroup struct {
	ID             string        `json:"id"`
	Version        int64         `json:"version"`
	Key            string        `json:"key,omitempty"` // "" = none
	Name           string        `json:"name"`
	CreatedAt      time.Time     `json:"createdAt"`
	LastModifiedAt time.Time     `json:"lastModifiedAt"`
	CreatedBy      *ModifiedBy   `json:"createdBy,omitempty"`
	LastModifiedBy *ModifiedBy   `json:"lastModifiedBy,omitempty"`
	Custom         *CustomFields `json:"custom,omitempty"`
}

// ModifiedBy says who created or last changed a resource, when commercetools tracked it.
type ModifiedBy struct {
	ClientID         string `json:"clientId,omitempty"`
	IsPlatformClient bool   `json:"isPlatformClient,omitempty"`
}

// CustomFields are a resource's custom type and the values of its fields.
type CustomFields struct {
	Type   TypeReference              `json:"type"`
	Fields map[string]json.RawMessage `json:"fields,omitempty"`
}

// TypeReference names a custom Type by id or key. TypeID is "type"; an empty TypeID is sent as
// "type".
type TypeReference struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id,omitempty"`
	Key    string `json:"key,omitempty"`
}

// MarshalJSON fills the typeId commercetools requires.
func (t TypeReference) MarshalJSON() ([]byte, error) {
	type plain TypeReference
	if t.TypeID == "" {
		t.TypeID = "type"
	}
	return json.Marshal(plain(t))
}

// GroupDraft creates a customer group.
type GroupDraft struct {
	GroupName string             `json:"groupName"`
	Key       string             `json:"key,omitempty"`
	Custom    *CustomFieldsDraft `json:"custom,omitempty"`
}

// CustomFieldsDraft sets a custom type and field values on create.
type CustomFieldsDraft struct {
	Type   TypeReference  `json:"type"`
	Fields map[string]any `json:"fields,omitempty"`
}

// UpdateAction is one customer-group update action; build it with ChangeName, SetKey,
// SetCustomType or SetCustomField.
type UpdateAction interface {
	json.Marshaler
	groupAction()
}

type changeName struct{ name string }

func (changeName) groupAction() {}
func (a changeName) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Action string `json:"action"`
		Name   string `json:"name"`
	}{"changeName", a.name})
}

// ChangeName renames the group; the name must be unique in the project.
func ChangeName(name string) UpdateAction { return changeName{name} }

type setKey struct{ key string }

func (setKey) groupAction() {}
func (a setKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Action string `json:"action"`
		Key    string `json:"key,omitempty"`
	}{"setKey", a.key})
}

// SetKey sets the group's key; "" removes it (the key field is left out, as commercetools wants).
func SetKey(key string) UpdateAction { return setKey{key} }

type setCustomType struct {
	t      *TypeReference
	fields map[string]any
}

func (setCustomType) groupAction() {}
func (a setCustomType) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Action string         `json:"action"`
		Type   *TypeReference `json:"type,omitempty"`
		Fields map[string]any `json:"fields,omitempty"`
	}{"setCustomType", a.t, a.fields})
}

// SetCustomType sets the custom type and all its field values, replacing any before; a nil t
// removes the custom type and its fields.
func SetCustomType(t *TypeReference, fields map[string]any) UpdateAction {
	if t == nil {
		return setCustomType{}
	}
	return setCustomType{t: t, fields: fields}
}

type setCustomField struct {
	name  string
	value any
}

func (setCustomField) groupAction() {}
func (a setCustomField) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Action string `json:"action"`
		Name   string `json:"name"`
		Value  any    `json:"value,omitempty"`
	}{"setCustomField", a.name, a.value})
}

// SetCustomField sets one custom field; a nil value removes it (removing a field that is not set
// is an InvalidOperation error upstream).
func SetCustomField(name string, value any) UpdateAction { return setCustomField{name, value} }

// QueryOptions select and page customer groups. Zero Limit means the upstream default (20).
type QueryOptions struct {
	Where     Predicate
	Sort      []string // e.g. "name asc", "createdAt desc"
	Limit     int      // 0..500
	Offset    int      // 0..10000
	WithTotal bool
}

// GroupPage is one page of a group query. Total is set only when WithTotal was asked for.
type GroupPage struct {
	Results []CustomerGroup `json:"results"`
	Limit   int             `json:"limit"`
	Offset  int             `json:"offset"`
	Count   int             `json:"count"`
	Total   *int            `json:"total,omitempty"`
}

// Customer is the part of a commercetools customer the gateway uses.
type Customer struct {
	ID                       string            `json:"id"`
	Version                  int64             `json:"version"`
	CustomerNumber           string            `json:"customerNumber,omitempty"`
	Email                    string            `json:"email,omitempty"`
	CompanyName              string            `json:"companyName,omitempty"`
	CustomerGroup            *Reference        `json:"customerGroup,omitempty"`
	CustomerGroupAssignments []GroupAssignment `json:"customerGroupAssignments,omitempty"`
	CreatedAt                time.Time         `json:"createdAt"`
	LastModifiedAt           time.Time         `json:"lastModifiedAt"`
}

// GroupAssignment is one entry of a customer's customerGroupAssignments.
type GroupAssignment struct {
	CustomerGroup Reference `json:"customerGroup"`
}

// GroupIDs returns the ids of the customer's groups: the primary customerGroup first, then the
// assignments, without duplicates. References to deleted groups are included.
func (c Customer) GroupIDs() []string {
	refs := c.GroupRefs()
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.ID)
	}
	return out
}

// Groups returns the expanded groups in GroupIDs order; references that were not expanded (not
// asked for, or pointing at a deleted group) are skipped.
func (c Customer) Groups() []CustomerGroup {
	var out []CustomerGroup
	for _, r := range c.GroupRefs() {
		if r.Obj != nil {
			out = append(out, *r.Obj)
		}
	}
	return out
}

// GroupRefs lists the distinct group references in GroupIDs order, preferring an expanded copy
// when the same group appears twice.
func (c Customer) GroupRefs() []Reference {
	out := make([]Reference, 0, len(c.CustomerGroupAssignments)+1)
	add := func(r Reference) {
		if r.ID == "" {
			return
		}
		// A scan, not a map: a customer has a handful of groups (500 at most), and this runs for
		// every customer of every list.
		for i := range out {
			if out[i].ID == r.ID {
				if out[i].Obj == nil {
					out[i].Obj = r.Obj
				}
				return
			}
		}
		out = append(out, r)
	}
	if c.CustomerGroup != nil {
		add(*c.CustomerGroup)
	}
	for _, a := range c.CustomerGroupAssignments {
		add(a.CustomerGroup)
	}
	return out
}
