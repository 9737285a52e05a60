package config

import (
	"strconv"
	"time"
)

// Resilience holds how the gateway treats slow, failing and throttling upstreams: one policy
// per upstream and the total time a GraphQL request may spend on them.
type Resilience struct {
	RequestBudget time.Duration // CUSTGRAPH_REQUEST_BUDGET; 0 = none
	NetSuite      UpstreamPolicy
	Commercetools UpstreamPolicy
	Sales         UpstreamPolicy
}

// UpstreamPolicy is one upstream's CUSTGRAPH_{NETSUITE,COMMERCETOOLS,SALES}_* policy settings.
type UpstreamPolicy struct {
	Timeout         time.Duration // _TIMEOUT: one attempt; 0 = the request budget only
	MaxConcurrent   int           // _MAX_CONCURRENT: attempts in flight at once; 0 = unlimited
	Retries         int           // _RETRIES: extra attempts of reads and keyed writes
	BreakerFailures int           // _BREAKER_FAILURES: consecutive failures that open the breaker; 0 = no breaker
	BreakerCooldown time.Duration // _BREAKER_COOLDOWN: open time before one probe
}

// maxRetries caps _RETRIES: beyond a few, retries only add load to a struggling upstream.
const maxRetries = 10

// resilienceSettings are the rows of Settings() for the upstream policies. NetSuite's default
// concurrency is low: an account without SuiteCloud Plus allows a handful of concurrent
// requests, and every replica of the gateway counts against it.
func resilienceSettings() []Setting {
	rows := []Setting{
		{"CUSTGRAPH_REQUEST_BUDGET", "10s", "total time one GraphQL request may spend on upstream calls (retries and queueing included); fields still waiting then fail; 0s = no budget"},
	}
	for _, u := range []struct{ prefix, name, timeout, concurrent string }{
		{"CUSTGRAPH_NETSUITE", "NetSuite", "5s", "5"},
		{"CUSTGRAPH_COMMERCETOOLS", "commercetools", "3s", "32"},
		{"CUSTGRAPH_SALES", "sales API", "3s", "32"},
	} {
		rows = append(rows,
			Setting{u.prefix + "_TIMEOUT", u.timeout, u.name + ": time limit of one attempt; 0s = the request budget only"},
			Setting{u.prefix + "_MAX_CONCURRENT", u.concurrent, u.name + ": requests in flight at once per replica, more wait in line; 0 = unlimited"},
			Setting{u.prefix + "_RETRIES", "2", u.name + ": retries of a failed read or keyed write (backoff with jitter, Retry-After honoured)"},
			Setting{u.prefix + "_BREAKER_FAILURES", "10", u.name + ": consecutive failed attempts that open the circuit breaker (when at least half of the last 5 s failed); 0 = no breaker"},
			Setting{u.prefix + "_BREAKER_COOLDOWN", "5s", u.name + ": how long an open breaker fails fast before one probe"},
		)
	}
	return rows
}

// loadResilience reads and checks the policy settings into c.
func loadResilience(c *Config, get func(string) string, bad func(name, format string, args ...any)) {
	duration := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d < 0 {
			bad(name, "%q is not a duration such as 500ms or 5s", get(name))
		}
		return d
	}
	count := func(name string, max int) int {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < 0 || n > max {
			bad(name, "%q is not a whole number from 0 to %d", get(name), max)
		}
		return n
	}
	policy := func(prefix string) UpstreamPolicy {
		return UpstreamPolicy{
			Timeout:         duration(prefix + "_TIMEOUT"),
			MaxConcurrent:   count(prefix+"_MAX_CONCURRENT", 10000),
			Retries:         count(prefix+"_RETRIES", maxRetries),
			BreakerFailures: count(prefix+"_BREAKER_FAILURES", 10000),
			BreakerCooldown: duration(prefix + "_BREAKER_COOLDOWN"),
		}
	}
	c.Resilience = Resilience{
		RequestBudget: duration("CUSTGRAPH_REQUEST_BUDGET"),
		NetSuite:      policy("CUSTGRAPH_NETSUITE"),
		Commercetools: policy("CUSTGRAPH_COMMERCETOOLS"),
		Sales:         policy("CUSTGRAPH_SALES"),
	}
}
