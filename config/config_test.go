package config

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestDefaults pins the resolved configuration of a bare start: sandbox mode with every default.
func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(c, "", "  ")
	golden := filepath.Join("testdata", "defaults.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(got)) != strings.TrimSpace(string(want)) {
		t.Errorf("defaults changed (run with -update if intended):\n%s", got)
	}
	if !c.Sandbox || !c.Playground || !c.Cache.Enabled {
		t.Errorf("a bare start must be sandbox mode with the playground and the cache: %+v", c)
	}
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "custgraph.yaml")
	if err := os.WriteFile(file, []byte("addr: \":7000\"\nloader_wait: 5ms\nlog_level: warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"-config", file, "-addr", ":9000"}, env(map[string]string{"CUSTGRAPH_ADDR": ":8000", "CUSTGRAPH_LOADER_WAIT": "3ms"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.LoaderWait.String() != "3ms" || c.LogLevel != "warn" {
		t.Errorf("precedence: addr %s (flag), wait %s (env), level %s (file)", c.Addr, c.LoaderWait, c.LogLevel)
	}
}

func TestErrorsNameEverySetting(t *testing.T) {
	t.Parallel()
	_, err := Load(nil, env(map[string]string{
		"CUSTGRAPH_ADDR":        "nowhere",
		"CUSTGRAPH_LOADER_WAIT": "soon",
		"CUSTGRAPH_SALES_URL":   "https://sales.example/v1/sales",
		"CUSTGRAPH_REDIS_URL":   "http://user:hunter2@redis",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, name := range []string{"CUSTGRAPH_ADDR", "CUSTGRAPH_LOADER_WAIT", "CUSTGRAPH_NETSUITE_URL", "CUSTGRAPH_COMMERCETOOLS_URL", "CUSTGRAPH_REDIS_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error repeats a secret: %v", err)
	}
}

func TestRealUpstreamsNeedCredentials(t *testing.T) {
	t.Parallel()
	_, err := Load(nil, env(map[string]string{
		"CUSTGRAPH_NETSUITE_URL":      "https://1234.suitetalk.api.netsuite.com",
		"CUSTGRAPH_COMMERCETOOLS_URL": "https://api.europe-west1.gcp.commercetools.com",
		"CUSTGRAPH_SALES_URL":         "https://sales.example/v1/sales",
	}))
	if err == nil || !strings.Contains(err.Error(), "CUSTGRAPH_SALES_API_KEY") || !strings.Contains(err.Error(), "CUSTGRAPH_NETSUITE_CLIENT_ID") {
		t.Errorf("missing credentials not reported: %v", err)
	}
}

func TestUnknownFileKeyAndHelp(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "c.yaml")
	_ = os.WriteFile(file, []byte("adr: \":1\"\n"), 0o600)
	if _, err := Load([]string{"-config", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Errorf("unknown key not reported: %v", err)
	}
	if _, err := Load([]string{"-no-such-flag"}, env(nil)); err == nil {
		t.Error("unknown flag accepted")
	}
	if _, err := Load([]string{"-help"}, env(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-help: %v", err)
	}
}

// TestLogFormatAuto: "auto" is text on a terminal and JSON elsewhere; text and json are kept.
func TestLogFormatAuto(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format   string
		terminal bool
		want     string
	}{
		{"auto", true, "text"}, {"auto", false, "json"},
		{"text", false, "text"}, {"json", true, "json"},
	} {
		c, err := Load(nil, env(map[string]string{"CUSTGRAPH_LOG_FORMAT": tc.format}))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.LogFormatOn(tc.terminal); got != tc.want {
			t.Errorf("%s, terminal %v: %s, want %s", tc.format, tc.terminal, got, tc.want)
		}
	}
	if _, err := Load(nil, env(map[string]string{"CUSTGRAPH_LOG_FORMAT": "xml"})); err == nil || !strings.Contains(err.Error(), "CUSTGRAPH_LOG_FORMAT") {
		t.Errorf("xml: %v, want an error naming CUSTGRAPH_LOG_FORMAT", err)
	}
}
