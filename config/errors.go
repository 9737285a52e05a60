package config

import (
	"errors"
	"slices"
	"strings"
)

// sortedJoin joins errs in a stable order, so the same bad configuration always reads the same.
func sortedJoin(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
