package playground_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"custgraph/gateway/playground"
)

const exampleQuery = "query Q {\n  customers(first: 1) { nodes { name } }\n}\n"

func serve(t *testing.T, p playground.Page) string {
	t.Helper()
	mux := http.NewServeMux()
	playground.Register(mux, p)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

var (
	scriptTag = regexp.MustCompile(`<script([^>]*)>`)
	linkTag   = regexp.MustCompile(`<link([^>]*)>`)
	attr      = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attr.FindAllStringSubmatch(tag, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// directives splits a Content-Security-Policy into its directives.
func directives(policy string) map[string]string {
	out := map[string]string{}
	for _, d := range strings.Split(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		out[name] = value
	}
	return out
}

func TestPageHeadersAndContent(t *testing.T) {
	t.Parallel()
	url := serve(t, playground.Page{Title: "custgraph", Endpoint: "/graphql", Query: exampleQuery})
	resp, body := get(t, url+"/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	policy := directives(resp.Header.Get("Content-Security-Policy"))
	nonce := regexp.MustCompile(`<meta property="csp-nonce" nonce="([A-Z2-7]{20,})">`).FindStringSubmatch(body)
	if nonce == nil {
		t.Fatalf("page has no nonce meta element:\n%s", body)
	}
	for name, want := range map[string]string{
		"default-src":     "'none'",
		"script-src":      "'self'",
		"style-src":       "'self' 'nonce-" + nonce[1] + "'",
		"connect-src":     "'self'",
		"frame-ancestors": "'none'",
		"base-uri":        "'none'",
		"form-action":     "'none'",
	} {
		if got := policy[name]; got != want {
			t.Errorf("CSP %s = %q, want %q (policy %q)", name, got, want, resp.Header.Get("Content-Security-Policy"))
		}
	}

	scripts := scriptTag.FindAllStringSubmatch(body, -1)
	if len(scripts) != 4 {
		t.Errorf("want 4 scripts (React, ReactDOM, GraphiQL, the page's), got %d", len(scripts))
	}
	for _, s := range scripts {
		a := attrs(s[1])
		if a["src"] == "" {
			t.Errorf("inline script %q: the CSP forbids it", s[0])
		}
		if strings.Contains(a["src"], "//") {
			t.Errorf("script from another origin: %q", a["src"])
		}
	}
	for _, l := range linkTag.FindAllStringSubmatch(body, -1) {
		if strings.Contains(attrs(l[1])["href"], "//") {
			t.Errorf("style from another origin: %q", l[0])
		}
	}

	root := regexp.MustCompile(`<div id="graphiql"([^>]*)>`).FindStringSubmatch(body)
	if root == nil {
		t.Fatalf("no #graphiql element:\n%s", body)
	}
	a := attrs(root[1])
	if a["data-query"] != exampleQuery || a["data-endpoint"] != "/graphql" {
		t.Errorf("#graphiql data = %q, want the example query and /graphql", a)
	}

	// A nonce is good for one response only.
	resp2, _ := get(t, url+"/")
	if resp2.Header.Get("Content-Security-Policy") == resp.Header.Get("Content-Security-Policy") {
		t.Error("two responses share a nonce")
	}
}

func TestPageEscapesItsData(t *testing.T) {
	t.Parallel()
	evil := `"><script>alert(1)</script>`
	url := serve(t, playground.Page{Title: "</title>" + evil, Endpoint: "/graphql", Query: "{ a } " + evil})
	_, body := get(t, url+"/")
	if strings.Contains(body, "<script>alert") {
		t.Fatalf("page data not escaped:\n%s", body)
	}
	root := regexp.MustCompile(`<div id="graphiql"([^>]*)>`).FindStringSubmatch(body)
	if root == nil || attrs(root[1])["data-query"] != "{ a } "+evil {
		t.Fatalf("query not carried intact:\n%s", body)
	}
}

// TestAssets fetches every file the page names, as a browser would, and checks what the browser
// checks (Subresource Integrity, type, nosniff) and what makes caching safe.
func TestAssets(t *testing.T) {
	t.Parallel()
	url := serve(t, playground.Page{Title: "custgraph", Endpoint: "/graphql", Query: exampleQuery})
	_, page := get(t, url+"/")
	type ref struct{ src, integrity, contentType string }
	var refs []ref
	for _, s := range scriptTag.FindAllStringSubmatch(page, -1) {
		a := attrs(s[1])
		refs = append(refs, ref{a["src"], a["integrity"], "text/javascript; charset=utf-8"})
	}
	for _, l := range linkTag.FindAllStringSubmatch(page, -1) {
		a := attrs(l[1])
		refs = append(refs, ref{a["href"], a["integrity"], "text/css; charset=utf-8"})
	}
	if len(refs) != 6 {
		t.Fatalf("want 4 scripts and 2 style sheets, got %v", refs)
	}
	for _, r := range refs {
		t.Run(r.src, func(t *testing.T) {
			t.Parallel()
			if !strings.HasPrefix(r.src, "playground/") {
				t.Fatalf("asset URL %q is not relative to the page under playground/", r.src)
			}
			resp, body := get(t, url+"/"+r.src)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			sum := sha512.Sum384([]byte(body))
			if want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); r.integrity != want {
				t.Errorf("integrity %q, content has %q", r.integrity, want)
			}
			for name, want := range map[string]string{
				"Content-Type":           r.contentType,
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "public, max-age=31536000, immutable",
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			etag := resp.Header.Get("ETag")
			again, _ := get(t, url+"/"+r.src, "If-None-Match", etag)
			if etag == "" || again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation with ETag %q: status %d, want 304", etag, again.StatusCode)
			}
		})
	}
}

func TestNotServed(t *testing.T) {
	t.Parallel()
	url := serve(t, playground.Page{Title: "custgraph", Endpoint: "/graphql", Query: exampleQuery})
	_, page := get(t, url+"/")
	src := attrs(scriptTag.FindStringSubmatch(page)[1])["src"] // playground/{version}/{name}
	parts := strings.Split(src, "/")
	version, name := parts[1], parts[2]
	for _, tc := range []struct {
		name, method, path string
		status             int
	}{
		{"outdated version", "GET", "/playground/0000000000000000/" + name, http.StatusNotFound},
		{"unknown file", "GET", "/playground/" + version + "/nope.js", http.StatusNotFound},
		{"the page template", "GET", "/playground/" + version + "/index.html", http.StatusNotFound},
		{"Go source", "GET", "/playground/" + version + "/playground.go", http.StatusNotFound},
		{"traversal", "GET", "/playground/" + version + "/..%2Fplayground.go", http.StatusNotFound},
		{"directory", "GET", "/playground/", http.StatusNotFound},
		{"other path", "GET", "/index.html", http.StatusNotFound},
		{"POST to the page", "POST", "/", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tc.method, url+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
			}
		})
	}
}

// TestVendoredFiles checks that the files under assets/ are the ones update-assets.sh fetched
// (nobody edited them by hand) and that the licence notices cover each package.
func TestVendoredFiles(t *testing.T) {
	t.Parallel()
	f, err := os.Open("assets/SOURCES.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	notices, err := os.ReadFile("assets/THIRD_PARTY_LICENSES.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		n++
		file, source, want := fields[0], fields[1], fields[2]
		body, err := os.ReadFile("assets/" + file)
		if err != nil {
			t.Error(err)
			continue
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s differs from %s as fetched by update-assets.sh", file, source)
		}
		pkg, _, _ := strings.Cut(source, "/") // name@version
		if !strings.Contains(string(notices), "\n"+pkg+" (") {
			t.Errorf("THIRD_PARTY_LICENSES.txt has no notice for %s", pkg)
		}
	}
	if n != 4 {
		t.Errorf("SOURCES.txt lists %d files, want 4", n)
	}
	if !regexp.MustCompile(`\ngraphql@\d+\.\d+\.\d+ \(MIT\)`).Match(notices) {
		t.Error("THIRD_PARTY_LICENSES.txt lacks graphql-js, which graphiql.min.js bundles")
	}
}

// TestAssetCompression fetches GraphiQL's script with each kind of Accept-Encoding: gzip when the
// client accepts it, the same bytes once decompressed, and a separate ETag per representation.
func TestAssetCompression(t *testing.T) {
	t.Parallel()
	url := serve(t, playground.Page{Title: "custgraph", Endpoint: "/graphql", Query: exampleQuery})
	_, page := get(t, url+"/")
	var src string
	for _, s := range scriptTag.FindAllStringSubmatch(page, -1) {
		if a := attrs(s[1]); strings.HasSuffix(a["src"], "/graphiql.min.js") {
			src = url + "/" + a["src"]
		}
	}
	if src == "" {
		t.Fatalf("page names no graphiql.min.js:\n%s", page)
	}
	// A transport that neither asks for gzip nor decompresses: the test sees the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)
	fetch := func(t *testing.T, acceptEncoding, ifNoneMatch string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, src, nil)
		if err != nil {
			t.Fatal(err)
		}
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	plainResp, plain := fetch(t, "", "")
	if plainResp.Header.Get("Content-Encoding") != "" || len(plain) < 500_000 {
		t.Fatalf("without Accept-Encoding: %q encoding, %d bytes", plainResp.Header.Get("Content-Encoding"), len(plain))
	}
	for _, tc := range []struct {
		acceptEncoding string
		gzip           bool
	}{
		{"gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"br;q=1.0, GZIP;q=0.8", true},
		{"*", true},
		{"identity", false},
		{"br, zstd", false},
		{"gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"*;q=0", false},
	} {
		t.Run(tc.acceptEncoding, func(t *testing.T) {
			t.Parallel()
			resp, body := fetch(t, tc.acceptEncoding, "")
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", resp.Header.Get("Vary"))
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tc.gzip {
				t.Fatalf("Content-Encoding %q, want gzip %v", resp.Header.Get("Content-Encoding"), tc.gzip)
			}
			if !gotGzip {
				if string(body) != string(plain) {
					t.Error("identity body differs")
				}
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if string(unzipped) != string(plain) {
				t.Error("gzip body does not decompress to the file")
			}
			if len(body) >= len(plain)/2 {
				t.Errorf("gzip body %d bytes for a %d-byte file", len(body), len(plain))
			}
			etag := resp.Header.Get("ETag")
			if etag == plainResp.Header.Get("ETag") {
				t.Errorf("gzip and identity share the ETag %s", etag)
			}
			if again, _ := fetch(t, tc.acceptEncoding, etag); again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: status %d, want 304", again.StatusCode)
			}
		})
	}
}
