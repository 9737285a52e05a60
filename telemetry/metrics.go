package telemetry

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"custgraph/cache"
)

const otherLabel = "(other)"

type metrics struct {
	inFlight     prometheus.Gauge
	httpRequests *prometheus.CounterVec
	shed         *prometheus.CounterVec
	queueWait    prometheus.Histogram

	operations   *prometheus.CounterVec
	opDuration   *prometheus.HistogramVec
	opErrors     *prometheus.CounterVec
	opNames      *boundedLabels
	upRequests   *prometheus.CounterVec
	upDuration   *prometheus.HistogramVec
	maxRoutes    int
	batchSize    *prometheus.HistogramVec
	batchSeconds *prometheus.HistogramVec

	breakers *breakerCollector
}

func newMetrics(reg *prometheus.Registry, maxOps, maxRoutes int) *metrics {
	m := &metrics{
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "custgraph_http_requests_in_flight",
			Help: "GraphQL HTTP requests being served.",
		}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custgraph_http_requests_total",
			Help: "GraphQL HTTP requests by method and status code (rejections before GraphQL execution included).",
		}, []string{"method", "code"}),
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custgraph_http_requests_shed_total",
			Help: "GraphQL HTTP requests refused with 503 OVERLOADED, by reason: timeout (no execution slot freed within the queue timeout) or canceled (the client left while waiting).",
		}, []string{"reason"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "custgraph_http_queue_wait_seconds",
			Help:    "Time admitted GraphQL HTTP requests waited for an execution slot (near 0 when one was free).",
			Buckets: prometheus.DefBuckets,
		}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custgraph_graphql_operations_total",
			Help: "GraphQL operations by operation name, type and outcome (ok, or error when the response has errors).",
		}, []string{"operation", "type", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custgraph_graphql_operation_duration_seconds",
			Help:    "Time from reading a GraphQL request to its last response, by operation name and type.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "type"}),
		opErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custgraph_graphql_errors_total",
			Help: "GraphQL errors in responses by operation name and extensions.code.",
		}, []string{"operation", "code"}),
		opNames: newBoundedLabels(maxOps),
		upRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custgraph_upstream_requests_total",
			Help: "HTTP requests to the upstream APIs by upstream, route, method and status (\"error\" when no response arrived).",
		}, []string{"upstream", "route", "method", "status"}),
		upDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custgraph_upstream_request_duration_seconds",
			Help:    "Time to the response headers of upstream HTTP requests, by upstream, route and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"upstream", "route", "method"}),
		maxRoutes: maxRoutes,
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custgraph_loader_batch_size",
			Help:    "Keys per dataloader batch, by loader.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11), // 1 .. 1024: the upstreams cap batches at 100, 500, 1000
		}, []string{"loader"}),
		batchSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "custgraph_loader_batch_duration_seconds",
			Help:    "Duration of dataloader batches (cache lookups and upstream calls), by loader.",
			Buckets: prometheus.DefBuckets,
		}, []string{"loader"}),
		breakers: &breakerCollector{desc: prometheus.NewDesc("custgraph_breaker_state",
			"Circuit breaker state: 0 closed, 1 half-open, 2 open.", []string{"breaker"}, nil),
			states: map[string]func() int{}},
	}
	for _, reason := range []string{ShedTimeout, ShedCanceled} {
		m.shed.WithLabelValues(reason) // exported as 0 from the start, so rate() sees the first one
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.inFlight, m.httpRequests, m.shed, m.queueWait, m.operations, m.opDuration, m.opErrors,
		m.upRequests, m.upDuration, m.batchSize, m.batchSeconds, m.breakers,
	)
	return m
}

// WatchBreaker exports a circuit breaker's state as custgraph_breaker_state{breaker=name},
// read at every scrape (gobreaker moves from open to half-open lazily, so a pushed value would
// go stale). state returns 0 closed, 1 half-open, 2 open: gobreaker.State, and
// rest.BreakerState of the upstream policies (wire each with
// telemetry.WatchBreaker(tel, "netsuite", policy.State)). A second call with the same name
// replaces the first.
func WatchBreaker[S ~int](t *Telemetry, name string, state func() S) {
	b := t.m.breakers
	b.mu.Lock()
	b.states[name] = func() int { return int(state()) }
	b.mu.Unlock()
}

// WatchCache exports the cache's counters (custgraph_cache_*_total by type) and its store
// breaker (custgraph_breaker_state{breaker="cache"}). Call it once per cache.
func (t *Telemetry) WatchCache(c *cache.Cache) {
	t.reg.MustRegister(newCacheCollector(c))
	WatchBreaker(t, "cache", c.BreakerState)
}

type breakerCollector struct {
	desc   *prometheus.Desc
	mu     sync.Mutex
	states map[string]func() int
}

func (b *breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b *breakerCollector) Collect(ch chan<- prometheus.Metric) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for name, state := range b.states {
		ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, float64(state()), name)
	}
}

// cacheCollector turns cache.Stats() snapshots into counters at scrape time: the cache keeps
// its own atomic counters, so nothing is counted twice on the request path.
type cacheCollector struct {
	c                                                      *cache.Cache
	hits, misses, negHits, errors, bypassed, coalescedDesc *prometheus.Desc
}

func newCacheCollector(c *cache.Cache) *cacheCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("custgraph_cache_"+name+"_total", help, []string{"type"}, nil)
	}
	return &cacheCollector{c: c,
		hits:          d("hits", "Keys answered from a cached entry, by entity type."),
		misses:        d("misses", "Keys the cache store was asked for and did not have, by entity type."),
		negHits:       d("negative_hits", "Keys answered from a cached not-found, by entity type."),
		errors:        d("errors", "Failed cache store calls and entries that failed to encode or decode, by entity type."),
		bypassed:      d("bypassed", "Keys for which the cache store was skipped (breaker open, read failed, caching off), by entity type."),
		coalescedDesc: d("coalesced", "Keys answered by another concurrent batch's upstream fetch, by entity type."),
	}
}

func (cc *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cc.hits, cc.misses, cc.negHits, cc.errors, cc.bypassed, cc.coalescedDesc} {
		ch <- d
	}
}

func (cc *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for typ, st := range cc.c.Stats() {
		for _, v := range []struct {
			d *prometheus.Desc
			n uint64
		}{{cc.hits, st.Hits}, {cc.misses, st.Misses}, {cc.negHits, st.NegativeHits}, {cc.errors, st.Errors},
			{cc.bypassed, st.Bypassed}, {cc.coalescedDesc, st.Coalesced}} {
			ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n), typ)
		}
	}
}

// boundedLabels admits the first max distinct values of a caller-influenced label; later ones
// become "(other)", so a client inventing operation names cannot grow the registry forever.
type boundedLabels struct {
	max  int
	mu   sync.Mutex
	seen map[string]struct{}
}

func newBoundedLabels(max int) *boundedLabels {
	return &boundedLabels{max: max, seen: make(map[string]struct{}, max)}
}

func (b *boundedLabels) get(v string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.max {
		return otherLabel
	}
	b.seen[v] = struct{}{}
	return v
}
