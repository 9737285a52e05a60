package gateway

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector's target to percent (CUSTGRAPH_GC_PERCENT) unless the GOGC
// variable is set, which is the operator's explicit choice and which the runtime has already
// applied. It returns the target in force. The process's live heap is a few MiB while each
// request allocates hundreds of KiB, so at Go's default of 100 the collector runs many times a
// second and takes about a quarter of the CPU (BENCHMARKS.md); GOMEMLIMIT, when set, still
// bounds the heap whatever the target.
func TuneGC(percent int) int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		// debug.SetGCPercent returns the previous value: read it back unchanged.
		cur := debug.SetGCPercent(100)
		debug.SetGCPercent(cur)
		return cur
	}
	debug.SetGCPercent(percent)
	return percent
}
