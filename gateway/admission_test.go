package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/auth"
	"custgraph/ratelimit"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/telemetry"
	"custgraph/telemetry/telemetrytest"
	"custgraph/upstream/seed"
)

// slotQuery costs exactly one upstream call: one sales list page.
const slotQuery = `{ customers(first: 1) { nodes { number } } }`

// gate holds every sales call until the test lets it through, so a test knows when a GraphQL
// request is executing (its sales call has arrived) and decides when it ends: no sleeps.
type gate struct {
	next    http.RoundTripper
	arrived chan struct{} // one value per sales call that reached the gate
	pass    chan struct{} // each value lets one waiting call through
	open    chan struct{} // closed at cleanup: every call goes through

	mu        sync.Mutex
	now, peak int // sales calls at the gate, now and at most
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.Path, simstack.SalesPrefix+"/") {
		return g.next.RoundTrip(r)
	}
	g.mu.Lock()
	g.now++
	g.peak = max(g.peak, g.now)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.now--
		g.mu.Unlock()
	}()
	g.arrived <- struct{}{}
	select {
	case <-g.pass:
	case <-g.open:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return g.next.RoundTrip(r)
}

func (g *gate) peakCalls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.peak
}

// slotRig is a gateway over the sandbox simulators, on a real socket, behind a gate.
type slotRig struct {
	t      *testing.T
	url    string
	tel    *telemetry.Telemetry
	gate   *gate
	client *http.Client
}

// newSlotRig serves New(opts) with the simulators as upstreams; opts.Upstreams, Telemetry and
// Logger are filled in.
func newSlotRig(t *testing.T, opts Options) *slotRig {
	t.Helper()
	stack := simstacktest.Start(t, simstack.Options{Seed: seed.Options{Customers: 5}})
	upTransport := UpstreamTransport()
	t.Cleanup(upTransport.CloseIdleConnections)
	g := &gate{next: upTransport, arrived: make(chan struct{}, 64), pass: make(chan struct{}), open: make(chan struct{})}
	log := slog.New(slog.DiscardHandler)
	up, err := SandboxUpstreams(stack, &http.Client{Timeout: 30 * time.Second, Transport: g}, log)
	if err != nil {
		t.Fatal(err)
	}
	opts.Upstreams, opts.Logger = up, log
	opts.Telemetry = telemetry.New(telemetry.Options{})
	srv := httptest.NewServer(New(opts))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(g.open) }) // first: a test that failed midway leaves nothing held
	// No keep-alive: no idle connection outlives the test (goleak, main_test.go).
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	return &slotRig{t: t, url: srv.URL, tel: opts.Telemetry, gate: g, client: client}
}

type slotAnswer struct {
	status int
	header http.Header
	body   map[string]any
	err    error
}

// do sends slotQuery (POST, or GET when get is true) with header set, and decodes the answer.
func (r *slotRig) do(ctx context.Context, get bool, header http.Header) slotAnswer {
	var req *http.Request
	var err error
	if get {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, r.url+"/graphql?query="+url.QueryEscape(slotQuery), nil)
	} else {
		b, _ := json.Marshal(map[string]string{"query": slotQuery})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, r.url+"/graphql", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		return slotAnswer{err: err}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return slotAnswer{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return slotAnswer{err: err}
	}
	a := slotAnswer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		a.err = errors.New("not JSON: " + string(raw))
	}
	return a
}

// send starts a POST of slotQuery in the background.
func (r *slotRig) send(ctx context.Context, header http.Header) <-chan slotAnswer {
	ch := make(chan slotAnswer, 1)
	go func() { ch <- r.do(ctx, false, header) }()
	return ch
}

// arrivals waits until n more sales calls have reached the gate.
func (r *slotRig) arrivals(n int) {
	r.t.Helper()
	for range n {
		select {
		case <-r.gate.arrived:
		case <-time.After(10 * time.Second):
			r.t.Fatal("a request did not reach the upstream within 10s")
		}
	}
}

// let lets n sales calls through the gate.
func (r *slotRig) let(n int) {
	r.t.Helper()
	for range n {
		select {
		case r.gate.pass <- struct{}{}:
		case <-time.After(10 * time.Second):
			r.t.Fatal("no sales call waiting at the gate")
		}
	}
}

// metric sums a metric's series with labels (a histogram: its sample count).
func (r *slotRig) metric(name string, labels map[string]string) float64 {
	r.t.Helper()
	fams, err := r.tel.Registry().Gather()
	if err != nil {
		r.t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() == name {
			v, _ := telemetrytest.Sum(f, labels)
			total += v
		}
	}
	return total
}

// eventually polls cond (a state change on another goroutine, not a timing assumption).
func (r *slotRig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inFlight is the number of GraphQL requests inside the handler: executing or waiting.
func (r *slotRig) inFlight() float64 { return r.metric("custgraph_http_requests_in_flight", nil) }

func (r *slotRig) shed(reason string) float64 {
	return r.metric("custgraph_http_requests_shed_total", map[string]string{"reason": reason})
}

func wantOK(t *testing.T, what string, a slotAnswer) {
	t.Helper()
	if a.err != nil || a.status != http.StatusOK || a.body["errors"] != nil || a.body["data"] == nil {
		t.Errorf("%s: status %d, err %v, body %v; want 200 with data", what, a.status, a.err, a.body)
	}
}

// wantOverloaded checks the refusal as a client sees it: 503, Retry-After, a GraphQL error
// with code OVERLOADED and no data, as the other refusals before execution write it.
func wantOverloaded(t *testing.T, what string, a slotAnswer) {
	t.Helper()
	if a.err != nil || a.status != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d, err %v, body %v; want 503", what, a.status, a.err, a.body)
	}
	if got := a.header.Get("Retry-After"); got != "1" {
		t.Errorf("%s: Retry-After %q, want 1", what, got)
	}
	if got := a.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json (auth.WriteError)", what, got)
	}
	if _, ok := a.body["data"]; ok {
		t.Errorf("%s: a refused request has data: %v", what, a.body)
	}
	errs, _ := a.body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("%s: errors %v, want one", what, a.body["errors"])
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	if ext["code"] != CodeOverloaded || ext["retryAfterSeconds"] != 1.0 {
		t.Errorf("%s: extensions %v, want code %s and retryAfterSeconds 1", what, ext, CodeOverloaded)
	}
	if msg, _ := e["message"].(string); !strings.Contains(msg, "capacity") {
		t.Errorf("%s: message %q does not say the gateway is at capacity", what, msg)
	}
}

// TestAdmissionWaitsForASlot: with two slots, a third request waits while two execute and runs
// when one of them ends; never more than two reach the upstream at once.
func TestAdmissionWaitsForASlot(t *testing.T) {
	t.Parallel()
	r := newSlotRig(t, Options{MaxInflight: 2, QueueTimeout: time.Minute})
	ctx := t.Context()
	a, b := r.send(ctx, nil), r.send(ctx, nil)
	r.arrivals(2)
	c := r.send(ctx, nil)
	r.eventually("the third request is in the handler", func() bool { return r.inFlight() == 3 })
	if n := len(r.gate.arrived); n != 0 {
		t.Fatalf("%d more requests executing with both slots taken", n)
	}
	r.let(1)
	r.arrivals(1) // the third, in the freed slot
	r.let(2)
	for i, ch := range []<-chan slotAnswer{a, b, c} {
		wantOK(t, "request "+string(rune('a'+i)), <-ch)
	}
	if p := r.gate.peakCalls(); p != 2 {
		t.Errorf("%d requests executed at once, want 2", p)
	}
	if n := r.metric("custgraph_http_queue_wait_seconds", nil); n != 3 {
		t.Errorf("queue wait observed %v times, want 3 (one per admitted request)", n)
	}
	if n := r.shed(telemetry.ShedTimeout) + r.shed(telemetry.ShedCanceled); n != 0 {
		t.Errorf("%v requests shed, want none", n)
	}
}

// TestAdmissionRefusesTheExcess: with both slots taken, a POST and a GET are refused with 503
// OVERLOADED, at once (queue timeout 0) or after the queue timeout, and counted; the requests
// holding the slots are unaffected, and the slots are free again after them.
func TestAdmissionRefusesTheExcess(t *testing.T) {
	t.Parallel()
	for _, wait := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run("queue timeout "+wait.String(), func(t *testing.T) {
			t.Parallel()
			r := newSlotRig(t, Options{MaxInflight: 2, QueueTimeout: wait})
			ctx := t.Context()
			a, b := r.send(ctx, nil), r.send(ctx, nil)
			r.arrivals(2)
			wantOverloaded(t, "POST", r.do(ctx, false, nil))
			wantOverloaded(t, "GET", r.do(ctx, true, nil))
			if n := r.shed(telemetry.ShedTimeout); n != 2 {
				t.Errorf("shed{reason=timeout} %v, want 2", n)
			}
			r.let(2)
			wantOK(t, "first holder", <-a)
			wantOK(t, "second holder", <-b)
			// Both slots are back: two requests execute at once again.
			c, d := r.send(ctx, nil), r.send(ctx, nil)
			r.arrivals(2)
			r.let(2)
			wantOK(t, "after", <-c)
			wantOK(t, "after", <-d)
		})
	}
}

// TestAdmissionClientLeavesWhileQueued: a waiting client that gives up takes no slot and
// frees none: afterwards exactly two requests execute at once and a third is refused.
func TestAdmissionClientLeavesWhileQueued(t *testing.T) {
	t.Parallel()
	// The queue timeout bounds the last step's refusal; it is long enough for the client to
	// give up first on a busy machine.
	r := newSlotRig(t, Options{MaxInflight: 2, QueueTimeout: 2 * time.Second})
	ctx := t.Context()
	a, b := r.send(ctx, nil), r.send(ctx, nil)
	r.arrivals(2)
	cctx, cancel := context.WithCancel(ctx)
	c := r.send(cctx, nil)
	r.eventually("the third request is waiting", func() bool { return r.inFlight() == 3 })
	cancel()
	if got := <-c; !errors.Is(got.err, context.Canceled) {
		t.Fatalf("the cancelled client got %+v", got)
	}
	r.eventually("the gateway sees the client leave", func() bool {
		return r.shed(telemetry.ShedCanceled) == 1 && r.inFlight() == 2
	})
	r.let(2)
	wantOK(t, "first holder", <-a)
	wantOK(t, "second holder", <-b)

	d, e := r.send(ctx, nil), r.send(ctx, nil)
	r.arrivals(2)                                     // two slots: none was lost
	wantOverloaded(t, "third", r.do(ctx, false, nil)) // and no third appeared
	r.let(2)
	wantOK(t, "d", <-d)
	wantOK(t, "e", <-e)
	if p := r.gate.peakCalls(); p != 2 {
		t.Errorf("%d requests executed at once, want 2", p)
	}
	if n := r.shed(telemetry.ShedTimeout); n != 1 {
		t.Errorf("shed{reason=timeout} %v, want 1", n)
	}
}

// TestAdmissionAfterAuthAndRateLimit: a caller refused by authentication or the rate limit is
// answered by them (401, 429) and takes no slot; only an admissible caller is shed.
func TestAdmissionAfterAuthAndRateLimit(t *testing.T) {
	t.Parallel()
	const key = "admission-test-key"
	keys, err := auth.ParseAPIKeys("svc=" + auth.HashAPIKey(key) + " customers:read")
	if err != nil {
		t.Fatal(err)
	}
	authn, err := auth.New(t.Context(), auth.Config{APIKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	// Two requests in the bucket; the next token is a second away.
	lim, err := ratelimit.New(ratelimit.Options{Rate: 1, Burst: 2})
	if err != nil {
		t.Fatal(err)
	}
	r := newSlotRig(t, Options{MaxInflight: 1, Security: Security{Auth: authn, RateLimit: lim}})
	ctx := t.Context()
	withKey := http.Header{auth.APIKeyHeader: {key}}
	a := r.send(ctx, withKey)
	r.arrivals(1)
	if got := r.do(ctx, false, nil); got.status != http.StatusUnauthorized {
		t.Errorf("no credential: status %d, want 401", got.status)
	}
	wantOverloaded(t, "second token", r.do(ctx, false, withKey))
	if got := r.do(ctx, false, withKey); got.status != http.StatusTooManyRequests {
		t.Errorf("over the rate: status %d, want 429 (the rate limit comes first)", got.status)
	}
	if n := r.shed(telemetry.ShedTimeout); n != 1 {
		t.Errorf("shed{reason=timeout} %v, want 1: only the admissible caller", n)
	}
	r.let(1)
	wantOK(t, "holder", <-a)
}

// TestAdmissionGuardsOnlyGraphQL: with the only slot taken, health, readiness, metrics, the
// playground and CORS preflights still answer.
func TestAdmissionGuardsOnlyGraphQL(t *testing.T) {
	t.Parallel()
	r := newSlotRig(t, Options{MaxInflight: 1, Playground: true})
	ctx := t.Context()
	a := r.send(ctx, nil)
	r.arrivals(1)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/healthz"}, {http.MethodGet, "/readyz"}, {http.MethodGet, "/metrics"},
		{http.MethodGet, "/"}, {http.MethodOptions, "/graphql"},
	} {
		req, err := http.NewRequestWithContext(ctx, tc.method, r.url+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := r.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode >= 400 {
			t.Errorf("%s %s: %d with every slot taken", tc.method, tc.path, resp.StatusCode)
		}
	}
	if n := r.shed(telemetry.ShedTimeout); n != 0 {
		t.Errorf("shed %v, want 0", n)
	}
	r.let(1)
	wantOK(t, "holder", <-a)
}
