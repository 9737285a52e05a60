package model

import (
	"slices"
	"strings"
)

// IncludeSet is a sorted, duplicate-free set of sales include[] names. Its String form is a
// canonical key, so loaders for the same set are shared within a request.
type IncludeSet []string

// NewIncludeSet returns the canonical set of names.
func NewIncludeSet(names ...string) IncludeSet {
	s := slices.Clone(names)
	slices.Sort(s)
	return IncludeSet(slices.Compact(s))
}

// Has reports whether name is in the set.
func (s IncludeSet) Has(name string) bool {
	_, ok := slices.BinarySearch(s, name)
	return ok
}

// Union returns the canonical union of s and names.
func (s IncludeSet) Union(names ...string) IncludeSet {
	return NewIncludeSet(append(slices.Clone(s), names...)...)
}

func (s IncludeSet) String() string { return strings.Join(s, ",") }
