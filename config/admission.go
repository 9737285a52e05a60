package config

import (
	"runtime"
	"strconv"
	"time"
)

// Admission holds how many GraphQL requests a replica executes at once and how long a request
// beyond that waits for a slot before it is refused (gateway/admission.go).
type Admission struct {
	MaxInflight  int           // CUSTGRAPH_MAX_INFLIGHT; InflightAuto = "auto", 0 = unlimited; see Slots
	QueueTimeout time.Duration // CUSTGRAPH_QUEUE_TIMEOUT; 0 = refused at once when every slot is taken
}

// InflightAuto is MaxInflight's "auto": inflightPerCPU slots per CPU, resolved by Slots when
// the gateway starts (so the configuration itself does not depend on the machine).
const InflightAuto = -1

// Slots is the number of execution slots: MaxInflight, "auto" resolved against the CPUs this
// process may use; 0 = unlimited.
func (a Admission) Slots() int {
	if a.MaxInflight == InflightAuto {
		return inflightPerCPU * runtime.GOMAXPROCS(0)
	}
	return a.MaxInflight
}

// maxInflightCap bounds CUSTGRAPH_MAX_INFLIGHT: far beyond it the setting is a typo, not a limit.
const maxInflightCap = 100000

// inflightPerCPU is the "auto" number of execution slots per CPU the process may use
// (GOMAXPROCS, which follows the container's CPU limit). A warm list of 50 customers costs the
// gateway about 8 ms of CPU: 8 requests per CPU keep the CPU queue near 64 ms, close to the
// cache's 50 ms Redis read bound. Measured on 2 CPUs at 200 list-50 requests/s over Redis
// (BENCHMARKS.md): with 16 slots the cache kept 99.9% hits and the excess was shed; with 32 and
// 64, Redis reads timed out waiting for CPU, the cache's breaker opened (48.7% and 2.5% hits)
// and the load went to the upstreams.
const inflightPerCPU = 8

// admissionSettings are the rows of Settings() for admission control.
func admissionSettings() []Setting {
	return []Setting{
		{"CUSTGRAPH_MAX_INFLIGHT", "auto", "most GraphQL requests executing at once per replica; more wait for a slot up to CUSTGRAPH_QUEUE_TIMEOUT, then get 503 OVERLOADED; " +
			"auto = 8 per CPU the process may use (GOMAXPROCS), which keeps CPU-bound cached requests from queueing past the cache's Redis read bound; 0 = unlimited. " +
			"Traffic that mostly waits on upstreams can take more, up to what the upstream limits let run (sales 32, commercetools 32, NetSuite 5 calls per replica)"},
		{"CUSTGRAPH_QUEUE_TIMEOUT", "1s", "how long a request may wait for an execution slot before it is refused (503 OVERLOADED, Retry-After: 1); 0s = refuse at once when every slot is taken"},
	}
}

// loadAdmission reads and checks the admission settings into c.
func loadAdmission(c *Config, get func(string) string, bad func(name, format string, args ...any)) {
	a := &c.Admission
	if v := get("CUSTGRAPH_MAX_INFLIGHT"); v == "auto" {
		a.MaxInflight = InflightAuto
	} else if n, err := strconv.Atoi(v); err != nil || n < 0 || n > maxInflightCap {
		bad("CUSTGRAPH_MAX_INFLIGHT", "%q is not auto or a whole number from 0 to %d (0 = unlimited)", v, maxInflightCap)
	} else {
		a.MaxInflight = n
	}
	if d, err := time.ParseDuration(get("CUSTGRAPH_QUEUE_TIMEOUT")); err != nil || d < 0 {
		bad("CUSTGRAPH_QUEUE_TIMEOUT", "%q is not a duration such as 0s, 500ms or 1s", get("CUSTGRAPH_QUEUE_TIMEOUT"))
	} else {
		a.QueueTimeout = d
	}
}
