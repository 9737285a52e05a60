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
	target := func() int { // SetGCPercent returns the target it replaces: put it back
		cur := debug.SetGCPercent(100)
		debug.SetGCPercent(cur)
		return cur
	}

	t.Setenv("GOGC", "")
	if !TuneGC(400) {
		t.Error("TuneGC(400) without GOGC did not set the target")
	}
	if cur := target(); cur != 400 {
		t.Errorf("collector target %d after TuneGC(400), want 400", cur)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // what the runtime read from GOGC at start
	if TuneGC(400) {
		t.Error("TuneGC(400) with GOGC=150 set the target")
	}
	if cur := target(); cur != 150 {
		t.Errorf("collector target %d with GOGC=150 set, want 150 left alone", cur)
	}
}
