package sandbox

import (
	"encoding/json"
	"slices"
	"testing"
)

// FuzzDecodeCursor: any cursor text is either refused or decodes to a position that encodes
// back to a cursor meaning the same position; nothing panics.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{Key: sortKey{Number: "C-1001", ID: "cus_1"}}.encode())
	f.Add(cursor{Before: true, Key: sortKey{ID: "ag_1"}}.encode())
	f.Add("")
	f.Add("abc")
	f.Add("eyJrIjp7fX0") // {"k":{}}
	f.Add("bnVsbA")      // null
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			return
		}
		if s == "" {
			if c.set {
				t.Fatal("empty cursor decoded as a position")
			}
			return
		}
		if !c.set || c.Key.ID == "" {
			t.Fatalf("accepted cursor %q has no position: %+v", s, c)
		}
		again, err := decodeCursor(c.encode())
		if err != nil || again != c {
			t.Fatalf("re-encoded cursor %q: %+v, %v (was %+v)", c.encode(), again, err, c)
		}
	})
}

// FuzzParsePatch: any body is either refused with a 4xx naming a parameter of seed 002 (or
// none), or accepted with only known parameters, and null only on nullable ones.
func FuzzParsePatch(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"name": "x"}`, `{"note": null}`, `{"name": null}`,
		`{"credit_limit": {"value": "10.50", "unit_id": "unit_usd"}}`, `{"credit_limit": null}`,
		`{"customer_price_group_ids": ["a", "b"]}`, `{"status": "gold"}`, `{"is_edi_enabled": true}`,
		`{"credit_limit": {"value": "1e3", "unit_id": "unit_usd"}}`, `{"x": 1}`, `{"name": "a", "name": null}`,
	} {
		f.Add([]byte(s))
	}
	specs := patchParams()
	f.Fuzz(func(t *testing.T, body []byte) {
		p, e := parsePatch(body)
		if e != nil {
			if e.status < 400 || e.status > 499 || e.body.Type == "" || e.body.Message == "" {
				t.Fatalf("bad refusal %+v", e)
			}
			return
		}
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(body, &raw)
		for name, v := range p {
			i := slices.IndexFunc(specs, func(s paramSpec) bool { return s.name == name })
			if i < 0 {
				t.Fatalf("accepted unknown parameter %q", name)
			}
			if v.null && !specs[i].nullable {
				t.Fatalf("accepted null for non-nullable %q", name)
			}
			if _, ok := raw[name]; !ok {
				t.Fatalf("parameter %q accepted but not in the body", name)
			}
		}
	})
}
