package resolvers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream"
	"custgraph/upstream/commercetools"
)

// groupsOf returns a commercetools customer's groups, primary first. Groups that came expanded
// are used as they are; any that did not are loaded in one batch.
func groupsOf(ctx context.Context, cust *commercetools.Customer) ([]*model.CustomerGroup, error) {
	refs := cust.GroupRefs()
	var missing []string
	for _, r := range refs {
		if r.Obj == nil {
			missing = append(missing, r.ID)
		}
	}
	var loaded map[string]*commercetools.CustomerGroup
	if len(missing) > 0 {
		found, errs := loaders.LoadMany(ctx, loaders.For(ctx).GroupByID, missing)
		loaded = make(map[string]*commercetools.CustomerGroup, len(missing))
		for i, g := range found {
			if errs[i] != nil && !upstream.IsNotFound(errs[i]) {
				return nil, errs[i]
			}
			if errs[i] == nil {
				loaded[missing[i]] = g
			}
		}
	}
	out := make([]*model.CustomerGroup, 0, len(refs))
	for _, r := range refs {
		g := r.Obj
		if g == nil {
			g = loaded[r.ID]
		}
		if g != nil { // a dangling reference to a deleted group is skipped
			out = append(out, groupModel(g))
		}
	}
	return out, nil
}

// groupWhere builds the commercetools predicate of a group filter: values travel as input
// variables, never as predicate text.
func groupWhere(f *model.CustomerGroupFilter) commercetools.Predicate {
	if f == nil {
		return commercetools.Predicate{}
	}
	var ps []commercetools.Predicate
	if v := f.Name.Value(); v != nil {
		ps = append(ps, commercetools.Eq("name", *v))
	}
	if v := f.Key.Value(); v != nil {
		ps = append(ps, commercetools.Eq("key", *v))
	}
	if len(ps) == 0 {
		return commercetools.Predicate{}
	}
	return commercetools.And(ps...)
}

// customTypeRef reads a CustomFieldsInput's type reference: exactly one of typeId / typeKey.
func customTypeRef(field string, in *model.CustomFieldsInput) (*commercetools.TypeReference, error) {
	id, key := in.TypeID.Value(), in.TypeKey.Value()
	switch {
	case id != nil && key != nil:
		return nil, badInput(field, field+": give typeId or typeKey, not both")
	case id != nil && *id != "":
		return &commercetools.TypeReference{TypeID: "type", ID: *id}, nil
	case key != nil && *key != "":
		return &commercetools.TypeReference{TypeID: "type", Key: *key}, nil
	}
	return nil, badInput(field, field+": typeId or typeKey is required")
}

// groupUpdateActions maps UpdateCustomerGroupInput to commercetools update actions.
func groupUpdateActions(in model.UpdateCustomerGroupInput) ([]commercetools.UpdateAction, error) {
	var acts []commercetools.UpdateAction
	if in.Name.IsSet() {
		v := in.Name.Value()
		if v == nil || *v == "" {
			return nil, badInput("input.name", "name cannot be null or empty")
		}
		acts = append(acts, commercetools.ChangeName(*v))
	}
	if in.Key.IsSet() {
		v := in.Key.Value()
		if v == nil {
			acts = append(acts, commercetools.SetKey(""))
		} else {
			if *v == "" {
				return nil, badInput("input.key", "key cannot be empty; pass null to remove it")
			}
			acts = append(acts, commercetools.SetKey(*v))
		}
	}
	if in.Custom.IsSet() {
		c := in.Custom.Value()
		if c == nil {
			acts = append(acts, commercetools.SetCustomType(nil, nil))
		} else {
			ref, err := customTypeRef("input.custom", c)
			if err != nil {
				return nil, err
			}
			acts = append(acts, commercetools.SetCustomType(ref, c.Fields.Value()))
		}
	}
	for name, v := range in.SetFields.Value() {
		if v == nil {
			return nil, badInputf("input.setFields", "setFields.%s is null; use removeFields to remove a field", name)
		}
		acts = append(acts, commercetools.SetCustomField(name, v))
	}
	for _, name := range in.RemoveFields.Value() {
		acts = append(acts, commercetools.SetCustomField(name, nil))
	}
	if len(acts) == 0 {
		return nil, badInput("input", "input changes nothing")
	}
	return acts, nil
}

// jsonFields checks that custom field values can be encoded before they reach an upstream.
func jsonFields(field string, m graphql.Omittable[map[string]any]) error {
	if _, err := json.Marshal(m.Value()); err != nil {
		return badInput(field, fmt.Sprintf("%s: %v", field, err))
	}
	return nil
}
