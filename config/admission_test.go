package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestAdmissionSettings(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "custgraph.yaml")
	if err := os.WriteFile(file, []byte("max_inflight: 3\nqueue_timeout: 2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		inflight int
		wait     time.Duration
	}{
		{"defaults", nil, nil, InflightAuto, time.Second},
		{"file", []string{"-config", file}, nil, 3, 2 * time.Second},
		{"env over file", []string{"-config", file}, map[string]string{"CUSTGRAPH_MAX_INFLIGHT": "8", "CUSTGRAPH_QUEUE_TIMEOUT": "250ms"}, 8, 250 * time.Millisecond},
		{"flag over env", []string{"-max-inflight", "16", "-queue-timeout", "0s"}, map[string]string{"CUSTGRAPH_MAX_INFLIGHT": "8", "CUSTGRAPH_QUEUE_TIMEOUT": "250ms"}, 16, 0},
		{"unlimited", nil, map[string]string{"CUSTGRAPH_MAX_INFLIGHT": "0"}, 0, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tc.args, env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Admission; got.MaxInflight != tc.inflight || got.QueueTimeout != tc.wait {
				t.Errorf("got %+v, want MaxInflight %d, QueueTimeout %v", got, tc.inflight, tc.wait)
			}
		})
	}
}

func TestAdmissionSettingsRefuseBadValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value string }{
		{"CUSTGRAPH_MAX_INFLIGHT", "-1"},
		{"CUSTGRAPH_MAX_INFLIGHT", "lots"},
		{"CUSTGRAPH_MAX_INFLIGHT", "100001"},
		{"CUSTGRAPH_QUEUE_TIMEOUT", "-1s"},
		{"CUSTGRAPH_QUEUE_TIMEOUT", "1"}, // no unit
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			_, err := Load(nil, env(map[string]string{tc.name: tc.value}))
			if err == nil || !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.value) {
				t.Errorf("error does not name %s and %q: %v", tc.name, tc.value, err)
			}
		})
	}
	// Flags are checked the same way.
	if _, err := Load([]string{"-queue-timeout", "-5ms"}, env(nil)); err == nil || !strings.Contains(err.Error(), "CUSTGRAPH_QUEUE_TIMEOUT") {
		t.Errorf("negative -queue-timeout: %v", err)
	}
}

// TestAdmissionSlots: "auto" becomes 8 slots per CPU the process may use; a number is itself.
func TestAdmissionSlots(t *testing.T) {
	t.Parallel()
	auto, err := Load(nil, env(map[string]string{"CUSTGRAPH_MAX_INFLIGHT": "auto"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := auto.Admission.Slots(), inflightPerCPU*runtime.GOMAXPROCS(0); got != want || got < inflightPerCPU {
		t.Errorf("auto: %d slots, want %d", got, want)
	}
	for _, n := range []int{0, 1, 64} {
		if got := (Admission{MaxInflight: n}).Slots(); got != n {
			t.Errorf("MaxInflight %d: %d slots", n, got)
		}
	}
}
