// Package loadtest is the engine of cmd/loadtest: it starts (or targets) a custgraph gateway and
// the upstream simulators, drives named GraphQL scenarios through them with
// github.com/tsenart/vegeta/v12 at a fixed rate or at maximum throughput, and reports latency
// percentiles, error rate, upstream requests per query (from the simulators' /_sim/stats), the
// cache hit ratio, and the gateway's CPU and peak memory.
//
// When it starts the gateway itself, the gateway runs in a child process (this same binary,
// re-executed; see ServeGateway) while the simulators and the load generator stay in the parent:
// that way CPU time and peak memory are the gateway's own, not the simulators' or vegeta's. Each
// (scenario, mode) row gets a fresh child, so the in-memory cache and the memory peak start
// from zero every time.
//
// It is a measuring tool, not part of the gateway: nothing in the gateway may import it, and it
// must not change gateway behaviour beyond the documented options (the naive mode).
package loadtest
