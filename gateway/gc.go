package gateway

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector's target to percent (CUSTGRAPH_GC_PERCENT) unless the GOGC
// variable is set, which is the operator's explicit choice and which the runtime has already
// applied; it reports whether it set the target. The process's live heap is a few MiB while
// each request allocates hundreds of KiB, so at Go's default of 100 the collector runs many
// times a second and takes about a quarter of the CPU (BENCHMARKS.md); GOMEMLIMIT, when set,
// still bounds the heap whatever the target.
func TuneGC(percent int) bool {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		return false
	}
	debug.SetGCPercent(percent)
	return true
}
