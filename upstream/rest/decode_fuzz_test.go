package rest_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"custgraph/upstream/commercetools"
	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
)

// suiteQLShape is the shape of a NetSuite SuiteQL page (netsuite.suiteQLPage is unexported).
type suiteQLShape struct {
	Count        int                          `json:"count"`
	HasMore      bool                         `json:"hasMore"`
	Items        []map[string]json.RawMessage `json:"items"`
	TotalResults int                          `json:"totalResults"`
}

// lenientNumber has its own UnmarshalJSON, as netsuite's token expiry does.
type lenientNumber int64

func (n *lenientNumber) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	*n = lenientNumber(v)
	return err
}

type tokenShape struct {
	AccessToken string        `json:"access_token"`
	ExpiresIn   lenientNumber `json:"expires_in"`
}

type ctPageShape struct {
	Results []commercetools.Customer `json:"results"`
	Total   *int64                   `json:"total"`
	Limit   int                      `json:"limit"`
}

// FuzzDecodeMatchesEncodingJSON: rest.Decode, which decodes every upstream answer, accepts and
// refuses what encoding/json does and decodes to the same values, on the upstream types the
// clients decode into and on untyped JSON.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"cus_1","number":"C-1001","name":"Acme","created_at":"2026-01-02T03:04:05Z","bill_to_address":{"id":"adr_1"}}],"has_more":false}`,
		`{"results":[{"id":"c1","version":3,"customerNumber":"C-1","customerGroup":{"typeId":"customer-group","id":"g1","obj":{"id":"g1","version":1,"name":"Gold","createdAt":"2026-01-02T03:04:05.123Z","lastModifiedAt":"2026-01-02T03:04:05Z","custom":{"type":{"typeId":"type","id":"t"},"fields":{"tier":1.5,"x":[1,"a",null]}}}}}],"total":1,"limit":20}`,
		`{"count":2,"hasMore":true,"items":[{"id":"1","isinactive":"F","links":[]},{"id":2,"name":null}],"totalResults":9}`,
		`{"access_token":"t","expires_in":"3600"}`,
		`{"access_token":"t","expires_in":3600}`,
		`{"DATA":[{"ID":"x","Number":"n"}],"Has_More":true}`,
		`{"data":[{"id":"a"}],"data":[{"id":"b"}]}`,
		`{"total":1e3}`, `{"total":12345678901234567890}`, `{"limit":-0}`, `{"count":1.0}`,
		`{"data":null,"has_more":null}`, `{"results":[null]}`,
		"{\"name\":\"\xff\xfe\"}", `{"name":"\ud800"}`, `{"name":"\u00e9\u0000\ud83d\ude00"}`,
		`{"created_at":"2026-13-40T00:00:00Z"}`, `{"createdAt":"not a time"}`,
		`[]`, `null`, `"x"`, `{"a":}`, `{"a":1,}`, ` {"a":1} `, `{"a":1} x`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		same[sales.CustomerList](t, b)
		same[ctPageShape](t, b)
		same[commercetools.CustomerGroup](t, b)
		same[suiteQLShape](t, b)
		same[tokenShape](t, b)
		same[map[string]any](t, b)
		same[any](t, b)
	})
}

func same[T any](t *testing.T, b []byte) {
	t.Helper()
	var got, want T
	errGot, errWant := rest.Decode(b, &got), json.Unmarshal(b, &want)
	if (errGot == nil) != (errWant == nil) {
		t.Fatalf("%T from %q: rest.Decode error %v, encoding/json error %v", got, b, errGot, errWant)
	}
	if errGot == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T from %q:\nrest.Decode   %#v\nencoding/json %#v", got, b, got, want)
	}
}
