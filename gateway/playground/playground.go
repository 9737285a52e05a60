// Package playground serves the GraphiQL IDE from files embedded in the binary: a small page of
// its own with the example query preloaded, GraphiQL, React and ReactDOM (refetched from the npm
// registry by update-assets.sh), under a strict Content-Security-Policy. It needs no CDN, so the
// playground works on machines without internet access. It must not execute GraphQL or know the
// schema: the page talks to the endpoint it is given, like any other client.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// files is read-only: go:embed needs a package-level variable, and nothing writes to it.
//
//go:embed web/index.html web/playground.css web/playground.js assets/*.js assets/*.css assets/*.txt
var files embed.FS

// Page is what the playground page shows.
type Page struct {
	// Title is the browser tab's title.
	Title string
	// Endpoint is the GraphQL endpoint, a path on the page's own origin ("/graphql"): the CSP
	// lets the page connect to no other origin.
	Endpoint string
	// Query is preloaded in the editor on a first visit.
	Query string
}

// assetPrefix is where the page's scripts and styles are served: assetPrefix + version + "/" +
// name, the version being a digest of the content, so a browser may cache them forever.
const assetPrefix = "/playground/"

// csp is the page's Content-Security-Policy: scripts only from files of this origin (no inline
// code, no eval); styles from files of this origin and from <style> elements carrying this
// response's nonce (GraphiQL's dialogs add one, see web/playground.js), never 'unsafe-inline';
// fonts and images also from data: URLs (GraphiQL's CSS inlines them); connections only to this
// origin; no framing (against clickjacking), no <base>, no form posts.
func csp(nonce string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + nonce + "'; " +
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
		"form-action 'none'; frame-ancestors 'none'"
}

type asset struct {
	body        []byte
	contentType string
	etag        string
	// URL is relative to the page at "/" so the playground also works behind a path prefix.
	URL       string
	Integrity string

	// gzipped is body compressed once, on first demand: the files are 1.6 MB, 0.66 MB gzipped,
	// and the gateway's compression middleware covers /graphql only.
	gzipOnce sync.Once
	gzipped  []byte
}

func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil || buf.Len() >= len(a.body) {
			return
		}
		a.gzipped = buf.Bytes()
	})
	return a.gzipped
}

type handler struct {
	page     *template.Template
	pageData pageData
	// assets by "version/name".
	assets map[string]*asset
}

type pageData struct {
	Page
	Styles, Scripts []*asset
	// Nonce is fresh for every response.
	Nonce string
}

// Register serves the page at "GET /" and its files under assetPrefix on mux. It panics only if
// the embedded files are broken, which the package's tests rule out.
func Register(mux *http.ServeMux, p Page) {
	h, err := newHandler(p)
	if err != nil {
		panic(fmt.Sprintf("playground: %v", err))
	}
	mux.HandleFunc("GET /{$}", h.servePage)
	mux.HandleFunc("GET "+assetPrefix+"{version}/{name}", h.serveAsset)
}

func newHandler(p Page) (*handler, error) {
	h := &handler{assets: map[string]*asset{}}
	byPath := map[string]*asset{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha512.Sum384(body)
		version := hex.EncodeToString(sum[:8])
		base := path.Base(name)
		a := &asset{
			body:        body,
			contentType: contentType(base),
			etag:        `"` + version + `"`,
			URL:         strings.TrimPrefix(assetPrefix, "/") + version + "/" + base,
			Integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sum[:]),
		}
		byPath[name] = a
		if a.contentType != "" {
			h.assets[version+"/"+base] = a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded files: %w", err)
	}
	tmpl, err := template.New("index.html").Parse(string(byPath["web/index.html"].body))
	if err != nil {
		return nil, fmt.Errorf("parse page: %w", err)
	}
	data := pageData{Page: p}
	for _, name := range []string{"assets/graphiql.min.css", "web/playground.css"} {
		data.Styles = append(data.Styles, byPath[name])
	}
	// Order matters: React, then ReactDOM, then GraphiQL, then the page's own script.
	for _, name := range []string{"assets/react.production.min.js",
		"assets/react-dom.production.min.js", "assets/graphiql.min.js", "web/playground.js"} {
		data.Scripts = append(data.Scripts, byPath[name])
	}
	h.page, h.pageData = tmpl, data
	// Render once now so that a broken template fails at startup, not on a request.
	if _, err := h.render("startup"); err != nil {
		return nil, err
	}
	return h, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "" // the page template itself is not served as a file
}

func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

func (h *handler) render(nonce string) ([]byte, error) {
	d := h.pageData
	d.Nonce = nonce
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("render page: %w", err)
	}
	return buf.Bytes(), nil
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	nonce := rand.Text()
	body, err := h.render(nonce)
	if err != nil {
		// Unreachable: newHandler rendered the same template with the same data.
		http.Error(w, "playground unavailable", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	securityHeaders(hdr)
	hdr.Set("Content-Security-Policy", csp(nonce))
	hdr.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP level 2
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	// Every response has its own nonce, and the page names the current assets' versions.
	hdr.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets[r.PathValue("version")+"/"+r.PathValue("name")]
	if !ok {
		// An unknown name or an outdated version: never serve other content under a URL that
		// browsers cache as immutable.
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	securityHeaders(hdr)
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	if gz := a.gzip(); gz != nil && acceptsGzip(r.Header.Values("Accept-Encoding")) {
		// Each representation has its own ETag, as revalidation and ranges apply to its bytes.
		body, etag = gz, strings.TrimSuffix(etag, `"`)+`-gzip"`
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether Accept-Encoding values allow gzip: listed with a non-zero weight,
// or not listed and "*" listed with a non-zero weight.
func acceptsGzip(values []string) bool {
	var gzipQ, anyQ *float64
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if name, value, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(name, "q") {
					var err error
					if q, err = strconv.ParseFloat(value, 64); err != nil {
						q = 0
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gzipQ = &q
			case "*":
				anyQ = &q
			}
		}
	}
	if gzipQ != nil {
		return *gzipQ > 0
	}
	return anyQ != nil && *anyQ > 0
}
