package gateway

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the setting becomes the collector's target, unless GOGC is set, which wins. Not
// parallel: the target is the process's.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	t.Setenv("GOGC", "")
	if got := TuneGC(400); got != 400 {
		t.Errorf("TuneGC(400) without GOGC = %d, want 400", got)
	}
	if cur := debug.SetGCPercent(400); cur != 400 {
		t.Errorf("collector target %d after TuneGC(400), want 400", cur)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // what the runtime read from GOGC at start
	if got := TuneGC(400); got != 150 {
		t.Errorf("TuneGC(400) with GOGC=150 = %d, want GOGC's 150", got)
	}
	if cur := debug.SetGCPercent(150); cur != 150 {
		t.Errorf("collector target %d with GOGC=150 set, want 150 left alone", cur)
	}
}
