package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"custgraph/gateway"
	"custgraph/upstream/sim"
)

// TestOverloadedGatewaySheds runs gateway.Run with CUSTGRAPH_MAX_INFLIGHT=2 and
// CUSTGRAPH_QUEUE_TIMEOUT=0s over a sales simulator that hangs: two queries hold both slots,
// a third (GET) is refused with 503 OVERLOADED and Retry-After, counted in /metrics and logged
// with its code; once the two holders' clients leave, the slots are free again.
func TestOverloadedGatewaySheds(t *testing.T) {
	t.Parallel()
	s, _, _, logs := runGateway(t, map[string]string{"CUSTGRAPH_MAX_INFLIGHT": "2", "CUSTGRAPH_QUEUE_TIMEOUT": "0s",
		"CUSTGRAPH_CACHE": "false"}) // every query reaches sales
	const query = `{ customers(first: 1) { nodes { number } } }`
	post := func(ctx context.Context) (int, []byte, error) {
		body, _ := json.Marshal(map[string]any{"query": query})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := rawClient().Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	if status, body, err := post(t.Context()); err != nil || status != http.StatusOK {
		t.Fatalf("before the fault: %d %v %s", status, err, body)
	}
	admitted := func() float64 {
		v, _ := sample(scrape(t, s.URL), "custgraph_http_queue_wait_seconds", nil)
		return v
	}
	before := admitted()

	// Sales hangs (far past the request budget): both slots stay taken until the clients leave.
	setFaults(t, s.SandboxURL, "sales", sim.Faults{LatencyMS: 60_000})
	holdCtx, leave := context.WithCancel(t.Context())
	held := make(chan error, 2)
	for range 2 {
		go func() {
			_, _, err := post(holdCtx)
			held <- err
		}()
	}
	eventually(t, "both holders admitted", func() bool { return admitted()-before == 2 })

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/graphql?query="+url.QueryEscape(query), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := exchange(t, req)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" || r.hasData {
		t.Fatalf("third request: %d, Retry-After %q, body %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	if c := errorCode(t, r.gql); c != gateway.CodeOverloaded {
		t.Errorf("third request: code %q, want %s", c, gateway.CodeOverloaded)
	}
	fams := scrape(t, s.URL)
	if v, _ := sample(fams, "custgraph_http_requests_shed_total", map[string]string{"reason": "timeout"}); v != 1 {
		t.Errorf("custgraph_http_requests_shed_total{reason=timeout} = %v, want 1", v)
	}
	if v, _ := sample(fams, "custgraph_http_requests_total", map[string]string{"method": "get", "code": "503"}); v != 1 {
		t.Errorf("custgraph_http_requests_total{method=get,code=503} = %v, want 1", v)
	}
	if !logged(logs.String(), func(l map[string]any) bool {
		return l["msg"] == "request" && l["method"] == http.MethodGet && l["status"] == 503.0 &&
			l["error_codes"] == gateway.CodeOverloaded && l["level"] == "ERROR"
	}) {
		t.Errorf("no request log line with status 503 and error_codes OVERLOADED:\n%s", logs.String())
	}

	// The holders' clients leave: their upstream calls are cancelled and the slots come back.
	leave()
	for range 2 {
		if err := <-held; !errors.Is(err, context.Canceled) {
			t.Errorf("holder: %v, want its own cancellation", err)
		}
	}
	setFaults(t, s.SandboxURL, "sales", sim.Faults{})
	eventually(t, "both slots free again", func() bool {
		v, _ := sample(scrape(t, s.URL), "custgraph_http_requests_in_flight", nil)
		return v == 0
	})
	for range 2 {
		if status, body, err := post(t.Context()); err != nil || status != http.StatusOK {
			t.Fatalf("after the holders left: %d %v %s", status, err, body)
		}
	}
}

// logged reports whether a JSON log line satisfies match.
func logged(log string, match func(map[string]any) bool) bool {
	for line := range strings.Lines(log) {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && match(l) {
			return true
		}
	}
	return false
}
