package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// APIKey is one service caller's key as configured: an id, the SHA-256 of the key (never the key
// itself) and the scopes it grants.
type APIKey struct {
	ID     string
	Hash   [sha256.Size]byte
	Scopes []string
}

// HashAPIKey returns the hex SHA-256 of key, the form in which keys are configured. It is the
// same as `printf %s "$KEY" | sha256sum`.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// ParseAPIKeys reads the CUSTGRAPH_AUTH_API_KEYS format: entries separated by commas or new
// lines, each "id=sha256hex scope scope ...", e.g.
//
//	reporting=9f86d081884c7d65...0f00a08 customers:read, billing=6b86b273...4b customers:read customers:write
//
// Blank entries and lines starting with '#' are skipped. Ids are 1 to 64 letters, digits, '.',
// '_' or '-'; every key needs at least one scope. Errors name the entry by id or position and
// never repeat a hash.
func ParseAPIKeys(spec string) ([]APIKey, error) {
	var out []APIKey
	ids := map[string]bool{}
	hashes := map[[sha256.Size]byte]bool{}
	entries := strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' })
	n := 0
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || strings.HasPrefix(e, "#") {
			continue
		}
		n++
		fields := strings.Fields(e)
		id, hexHash, ok := strings.Cut(fields[0], "=")
		if !ok || !validKeyID(id) {
			return nil, fmt.Errorf("API key entry %d: want \"id=sha256hex scope ...\" with an id of letters, digits, '.', '_' or '-'", n)
		}
		var k APIKey
		k.ID = id
		b, err := hex.DecodeString(hexHash)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("API key %q: the hash must be 64 hex digits (the SHA-256 of the key, not the key)", id)
		}
		copy(k.Hash[:], b)
		k.Scopes = fields[1:]
		switch {
		case len(k.Scopes) == 0:
			return nil, fmt.Errorf("API key %q: grants no scope", id)
		case ids[id]:
			return nil, fmt.Errorf("API key %q: the id is used twice", id)
		case hashes[k.Hash]:
			return nil, fmt.Errorf("API key %q: the same key hash is configured twice", id)
		}
		ids[id], hashes[k.Hash] = true, true
		out = append(out, k)
	}
	return out, nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}
