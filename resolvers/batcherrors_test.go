package resolvers

import (
	"errors"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/upstream"
)

func TestCollapseErrors(t *testing.T) {
	t.Parallel()
	batch := &upstream.Error{Upstream: "netsuite", Kind: upstream.KindUnavailable}
	other := &upstream.Error{Upstream: "commercetools", Kind: upstream.KindUnavailable}
	at := func(i int, field string, err error) *gqlerror.Error {
		return &gqlerror.Error{Err: err, Message: err.Error(), Path: ast.Path{ast.PathName("customers"), ast.PathIndex(i), ast.PathName(field)}}
	}
	plain := errors.New("bad input")
	in := gqlerror.List{
		at(0, "category", batch), at(0, "groups", other), at(1, "category", batch),
		at(1, "x", &upstream.Error{Upstream: "sales", Kind: upstream.KindNotFound}),
		at(2, "x", &upstream.Error{Upstream: "sales", Kind: upstream.KindNotFound}),
		at(2, "category", batch), at(3, "y", plain), at(4, "y", plain),
	}
	out := collapseErrors(in)
	// The batch failure once, at its first path; each not-found and non-upstream error kept.
	want := []string{"customers[0].category", "customers[0].groups", "customers[1].x", "customers[2].x", "customers[3].y", "customers[4].y"}
	if len(out) != len(want) {
		t.Fatalf("%d errors, want %d: %v", len(out), len(want), out)
	}
	for i, e := range out {
		if e.Path.String() != want[i] {
			t.Errorf("error %d at %s, want %s", i, e.Path, want[i])
		}
	}
	if out[0].Extensions["affectedFields"] != 3 || out[1].Extensions["affectedFields"] != nil {
		t.Errorf("affectedFields: %v, %v", out[0].Extensions, out[1].Extensions)
	}
}
