package resolvers

import (
	"fmt"
	"net/url"
	"strings"
)

// Global ids are "gid://custgraph/{Type}/{upstream id}": opaque to Relay clients, unique across
// types (NetSuite's numeric ids would otherwise collide with anything), and still readable in a
// log line.
const gidPrefix = "gid://custgraph/"

// Node type names used in global ids.
const (
	typeCustomer         = "Customer"
	typeCustomerCategory = "CustomerCategory"
	typeCustomerGroup    = "CustomerGroup"
	typeAddress          = "Address"
	typeAccountGroup     = "AccountGroup"
)

func globalID(typ, id string) string { return gidPrefix + typ + "/" + url.PathEscape(id) }

// parseGlobalID splits a global id into its type and upstream id.
func parseGlobalID(gid string) (typ, id string, err error) {
	rest, ok := strings.CutPrefix(gid, gidPrefix)
	if !ok {
		return "", "", fmt.Errorf("%q is not a custgraph id", gid)
	}
	typ, esc, ok := strings.Cut(rest, "/")
	if !ok || typ == "" || esc == "" {
		return "", "", fmt.Errorf("%q is not a custgraph id", gid)
	}
	id, err = url.PathUnescape(esc)
	if err != nil || id == "" {
		return "", "", fmt.Errorf("%q is not a custgraph id", gid)
	}
	return typ, id, nil
}

// idOf decodes a global id that must be of type want; field names the argument in the error.
func idOf(field, want, gid string) (string, error) {
	typ, id, err := parseGlobalID(gid)
	if err != nil {
		return "", badInput(field, err.Error())
	}
	if typ != want {
		return "", badInput(field, fmt.Sprintf("%q is the id of a %s, not a %s", gid, typ, want))
	}
	return id, nil
}
