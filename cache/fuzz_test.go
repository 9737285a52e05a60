package cache

import (
	"net/url"
	"strings"
	"testing"
)

// unescapeKeyPart inverts escapeKeyPart; the fuzz target uses it to prove the escaping is
// injective.
func unescapeKeyPart(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		v := strings.IndexByte(upperHex, s[i+1])<<4 | strings.IndexByte(upperHex, s[i+2])
		if v < 0 || !needsEscape(byte(v)) {
			return "", false
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), true
}

func FuzzKey(f *testing.F) {
	seeds := [][3]string{
		{"customer", "C-1001", "C-1002"},
		{"a", "b:c", "b%3Ac"},
		{"a:b", "c", ""},
		{"group", "{tag}", "%7Btag%7D"},
		{"apq", "%", "%25"},
		{"", ":", "::"},
		{"t", "ü\x00\xff", "\n"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	c, err := New(NewMemory(1), Options{Namespace: "fz", FormatVersion: 7})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, typ, id1, id2 string) {
		tp := Type{Name: typ}
		k1 := c.Key(tp, id1)
		rest, ok := strings.CutPrefix(k1, "fz:v7:")
		if !ok {
			t.Fatalf("Key(%q, %q) = %q lacks the namespace and version prefix", typ, id1, k1)
		}
		// Exactly one separator after the prefix: neither part can add one.
		gotTyp, gotID, ok := strings.Cut(rest, ":")
		if !ok || strings.Contains(gotID, ":") {
			t.Fatalf("Key(%q, %q) = %q: want exactly type:id after the prefix", typ, id1, k1)
		}
		if strings.ContainsAny(rest, "{}") {
			t.Fatalf("Key(%q, %q) = %q contains a hash-tag brace", typ, id1, k1)
		}
		if u, ok := unescapeKeyPart(gotTyp); !ok || u != typ {
			t.Fatalf("type part %q of %q does not decode back to %q", gotTyp, k1, typ)
		}
		if u, ok := unescapeKeyPart(gotID); !ok || u != id1 {
			t.Fatalf("id part %q of %q does not decode back to %q", gotID, k1, id1)
		}
		if k2 := c.Key(tp, id2); (k1 == k2) != (id1 == id2) {
			t.Fatalf("ids %q and %q give keys %q and %q", id1, id2, k1, k2)
		}
	})
}

func FuzzRedisClientFromURL(f *testing.F) {
	seeds := [][4]string{
		{"redis", "127.0.0.1:6379", "/0", "read_timeout=1s"},
		{"rediss", "cache.example.com:6380", "", ""},
		{"unix", "", "/run/redis.sock", "db=2"},
		{"redis-sentinel", "s1:26379", "/1", "master_name=m&addr=s2:26379&password=x"},
		{"redis-cluster", "n1:7000", "", "addr=n2:7001"},
		{"redis", "h:notaport", "", ""},
		{"redis", "[::1]", "/x", "bogus=1"},
		{"http", "h", "", ""},
		{"redis", "h%zz", "", "dial_timeout=%%"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], "s3cr3t-pass")
	}
	f.Fuzz(func(t *testing.T, scheme, host, path, query, password string) {
		raw := scheme + "://user:" + password + "@" + host + path
		if query != "" {
			raw += "?" + query
		}
		c, err := RedisClientFromURL(raw)
		if err == nil {
			_ = c.Close()
			return
		}
		// The error may quote the parts we built the URL from, but never the password unless
		// another part happens to contain it too.
		if len(password) >= 6 && strings.Contains(err.Error(), password) &&
			!strings.Contains(scheme+host+path+query, password) {
			if esc := url.PathEscape(password); !strings.Contains(scheme+host+path+query, esc) {
				t.Fatalf("error %q repeats the password %q", err, password)
			}
		}
	})
}
