package resolvers

import (
	"custgraph/graph/model"
	"custgraph/upstream/netsuite"
)

// categoryFilter maps a GraphQL category filter to the NetSuite client's.
func categoryFilter(f *model.CustomerCategoryFilter) netsuite.CategoryFilter {
	if f == nil {
		return netsuite.CategoryFilter{}
	}
	return netsuite.CategoryFilter{Name: f.Name.Value(), NameStartsWith: f.NameStartsWith.Value(), IsInactive: f.IsInactive.Value()}
}
