package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"custgraph/upstream/seed"
)

// listResponse is a list-50 answer shaped like cmd/loadtest's list-50 scenario (ids, names,
// category, groups, price groups, both addresses), built from the sandbox's seed.
func listResponse(tb testing.TB) []byte {
	d := seed.Generate(seed.Options{Customers: 50})
	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type group struct {
		ID   string `json:"id"`
		Key  string `json:"key"`
		Name string `json:"name"`
	}
	type node struct {
		ID          string  `json:"id"`
		Number      string  `json:"number"`
		Name        string  `json:"name"`
		Status      string  `json:"status"`
		Category    ref     `json:"category"`
		Groups      []group `json:"groups"`
		PriceGroups struct {
			Nodes []ref `json:"nodes"`
		} `json:"priceGroups"`
		BillToAddress ref `json:"billToAddress"`
		ShipToAddress ref `json:"shipToAddress"`
	}
	nodes := make([]node, len(d.Customers))
	for i, c := range d.Customers {
		n := node{ID: fmt.Sprintf("Q3VzdG9tZXI6Y3VzXyV%05d", i), Number: c.Number, Name: c.Name, Status: "ACTIVE",
			Category:      ref{ID: fmt.Sprintf("Q3VzdG9tZXJDYXRlZ29yeTo%d", c.Category), Name: d.Categories[c.Category].Name},
			BillToAddress: ref{ID: fmt.Sprintf("QWRkcmVzczphZGRyX2Jp%05d", i), Name: c.Name + " HQ"},
			ShipToAddress: ref{ID: fmt.Sprintf("QWRkcmVzczphZGRyX3No%05d", i), Name: c.Name + " Warehouse"}}
		for _, g := range c.Groups {
			n.Groups = append(n.Groups, group{ID: fmt.Sprintf("6f1c%04x-8d2e-4b7a-9c3f-%012x", g, g*7919), Key: d.Groups[g].Key, Name: d.Groups[g].Name})
			n.PriceGroups.Nodes = append(n.PriceGroups.Nodes, ref{ID: fmt.Sprintf("QWNjb3VudEdyb3VwOmFn%04d", g), Name: d.Groups[g].Name + " pricing"})
		}
		nodes[i] = n
	}
	body, err := json.Marshal(map[string]any{"data": map[string]any{"customers": map[string]any{
		"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": true, "endCursor": "Y3Vyc29yOjUw"}}}})
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkCompressListResponse compresses a list-50 answer (about 35 KB of JSON) with the
// gateway's gzip level, the stateless level and the library default, reporting the compressed
// size. warm-pool reuses the pooled encoder as a busy server mostly does; cold-pool empties the
// pool first (two collections), so each response allocates its encoder (B/op shows its size).
//
//	go test -run '^$' -bench CompressListResponse -benchmem ./gateway/
func BenchmarkCompressListResponse(b *testing.B) {
	body := listResponse(b)
	serve := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/graphql-response+json")
		_, _ = w.Write(body)
	})
	for _, tc := range []struct {
		name  string
		level int
	}{
		{"gateway-level", compressLevel},
		{"stateless", gzip.StatelessCompression},
		{"library-default", gzip.DefaultCompression},
	} {
		for _, pool := range []string{"warm-pool", "cold-pool"} {
			b.Run(tc.name+"/"+pool, func(b *testing.B) {
				wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinBytes), gzhttp.CompressionLevel(tc.level), gzhttp.EnableZstd(false))
				if err != nil {
					b.Fatal(err)
				}
				h := wrap(serve)
				req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
				req.Header.Set("Accept-Encoding", "gzip")
				var size int
				b.SetBytes(int64(len(body)))
				for range b.N {
					if pool == "cold-pool" {
						// Two collections empty a sync.Pool (and its victim cache), as a
						// busy server's frequent collections do between two responses.
						b.StopTimer()
						runtime.GC()
						runtime.GC()
						b.StartTimer()
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					size = rec.Body.Len()
				}
				if size == 0 || size >= len(body) {
					b.Fatalf("compressed %d bytes to %d", len(body), size)
				}
				b.ReportMetric(float64(size), "compressed-bytes")
				b.ReportMetric(float64(len(body)), "json-bytes")
			})
		}
	}
}
