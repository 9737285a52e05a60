package sales_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
	salessandbox "custgraph/upstream/sales/sandbox"
	"custgraph/upstream/seed"
)

// BenchmarkDecodeCustomerPage decodes a 200-customer list body the way the client decodes every
// answer (rest.Decode into CustomerList), and for comparison with encoding/json and with the
// json v2 implementation under encoding/json's options (what rest.Decode used before): with every
// include expanded, as the gateway fetches customers when the cache is on, and with the list
// view's includes only.
//
//	go test -run '^$' -bench DecodeCustomerPage -benchmem ./upstream/sales/
func BenchmarkDecodeCustomerPage(b *testing.B) {
	cases := []struct {
		name     string
		includes []string
	}{
		{"all-includes", sales.AllIncludes()},
		{"list-view", []string{sales.IncludeBillToAddress, sales.IncludeShipToAddress, sales.IncludePriceGroups}},
	}
	decoders := []struct {
		name   string
		decode func([]byte, any) error
	}{
		{"client", rest.Decode},
		{"encoding-json", json.Unmarshal},
		{"json-v2", func(b []byte, v any) error { return jsonv2.Unmarshal(b, v, jsonv1.DefaultOptionsV1()) }},
	}
	for _, tc := range cases {
		for _, d := range decoders {
			b.Run(tc.name+"/"+d.name, func(b *testing.B) {
				body := customerPageJSON(b, 200, tc.includes)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					var list sales.CustomerList
					if err := d.decode(body, &list); err != nil {
						b.Fatal(err)
					}
					if len(list.Data) != 200 {
						b.Fatalf("decoded %d customers", len(list.Data))
					}
				}
			})
		}
	}
}

// customerPageJSON is one list body of n customers as the sales simulator renders them: its
// 100-customer pages joined into one data array.
func customerPageJSON(b *testing.B, n int, includes []string) []byte {
	b.Helper()
	sim := salessandbox.New(salessandbox.Options{Seed: seed.Generate(seed.Options{Customers: n})})
	var data []json.RawMessage
	cursor := ""
	for len(data) < n {
		q := url.Values{"limit": {"100"}, "include[]": includes}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/sales/customers?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+salessandbox.APIKey)
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("list customers: %d %s", rec.Code, rec.Body)
		}
		var page struct {
			Data     []json.RawMessage `json:"data"`
			PageInfo sales.PageInfo    `json:"page_info"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			b.Fatal(err)
		}
		data = append(data, page.Data...)
		if cursor = page.PageInfo.NextCursor; !page.PageInfo.HasNextPage {
			break
		}
	}
	body, err := json.Marshal(map[string]any{"object": "list", "page_info": sales.PageInfo{}, "data": data})
	if err != nil {
		b.Fatal(err)
	}
	return body
}
