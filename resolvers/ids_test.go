package resolvers

import (
	"testing"
)

func TestGlobalIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"cus_0001", "5", "a/b c", "7c1e-uuid", "ü"} {
		gid := globalID(typeCustomer, raw)
		typ, id, err := parseGlobalID(gid)
		if err != nil || typ != typeCustomer || id != raw {
			t.Errorf("round trip of %q: got %q %q %v", raw, typ, id, err)
		}
	}
}

func TestIDOfRejects(t *testing.T) {
	t.Parallel()
	for _, gid := range []string{"", "cus_1", "gid://custgraph/", "gid://custgraph/Customer", "gid://custgraph/Customer/", "gid://other/Customer/1", "gid://custgraph/Customer/%zz"} {
		if _, err := idOf("id", typeCustomer, gid); err == nil {
			t.Errorf("idOf(%q) accepted a bad id", gid)
		} else if c := codeOf(err); c != CodeBadUserInput {
			t.Errorf("idOf(%q): code %q, want %s", gid, c, CodeBadUserInput)
		}
	}
	if _, err := idOf("id", typeCustomer, globalID(typeCustomerGroup, "x")); err == nil {
		t.Error("idOf accepted the id of another type")
	}
}
