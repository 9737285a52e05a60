package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// README markers around the generated settings table.
const (
	readmeBegin = "<!-- settings table: generated from config.Settings() by `go test ./config -run TestREADMESettings -update` -->"
	readmeEnd   = "<!-- end of settings table -->"
)

// settingsTable is the README's table of every setting with its default, from Settings().
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n| --- | --- | --- |\n")
	for _, s := range Settings() {
		def := ""
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.Name, def, strings.ReplaceAll(s.Help, "|", `\|`))
	}
	return b.String()
}

// TestREADMESettings fails when the README's settings table differs from Settings(): a new
// setting must be documented with its default. -update rewrites the table.
func TestREADMESettings(t *testing.T) {
	const path = "../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i, j := strings.Index(readme, readmeBegin), strings.Index(readme, readmeEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the markers of the settings table:\n%s\n...\n%s", readmeBegin, readmeEnd)
	}
	start := i + len(readmeBegin) + 1
	want := settingsTable()
	if got := readme[start:j]; got != want {
		if *update {
			if err := os.WriteFile(path, []byte(readme[:start]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's settings table is out of date: run go test ./config -run TestREADMESettings -update\nwant:\n%s", want)
	}
}
