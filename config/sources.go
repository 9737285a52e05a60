package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// FlagName is the command-line flag of a setting: CUSTGRAPH_REDIS_URL is redis-url.
func FlagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "CUSTGRAPH_")), "_", "-")
}

// FileKey is the YAML key of a setting: CUSTGRAPH_REDIS_URL is redis_url.
func FileKey(env string) string { return strings.ToLower(strings.TrimPrefix(env, "CUSTGRAPH_")) }

// sources merges defaults, the YAML file, the environment and the flags into one value per
// setting name, in rising precedence.
func sources(args []string, getenv func(string) string) (map[string]string, error) {
	settings := Settings()
	values := make(map[string]string, len(settings))
	for _, s := range settings {
		if !strings.Contains(s.Default, "{") { // a default that names another value is derived later
			values[s.Name] = s.Default
		}
	}

	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configFile := fs.String("config", "", "YAML file of settings (also CUSTGRAPH_CONFIG)")
	flagged := map[string]*string{}
	for _, s := range settings {
		flagged[s.Name] = fs.String(FlagName(s.Name), "", s.Help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			Usage(os.Stderr)
			return nil, flag.ErrHelp
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	file := *configFile
	if file == "" {
		file = strings.TrimSpace(getenv("CUSTGRAPH_CONFIG"))
	}
	if file != "" {
		fromFile, err := readFile(file, settings)
		if err != nil {
			return nil, err
		}
		for k, v := range fromFile {
			values[k] = v
		}
	}
	for _, s := range settings {
		if v := strings.TrimSpace(getenv(s.Name)); v != "" {
			values[s.Name] = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings {
			if FlagName(s.Name) == f.Name {
				values[s.Name] = strings.TrimSpace(*flagged[s.Name])
			}
		}
	})
	return values, nil
}

// readFile reads a YAML map of settings; an unknown key is an error (a typo must not be
// silently ignored).
func readFile(path string, settings []Setting) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	byKey := map[string]string{}
	for _, s := range settings {
		byKey[FileKey(s.Name)] = s.Name
	}
	out := map[string]string{}
	var unknown []string
	for k, v := range raw {
		name, ok := byKey[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		out[name] = strings.TrimSpace(fmt.Sprint(v))
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("config file %s: unknown settings %s", path, strings.Join(unknown, ", "))
	}
	return out, nil
}

// Usage writes every setting with its flag, variable and default.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: gateway [-config FILE] [-SETTING VALUE ...]\n\n")
	fmt.Fprintf(w, "Every setting is a flag, an environment variable and a key of the YAML file named by\n")
	fmt.Fprintf(w, "-config or CUSTGRAPH_CONFIG; flags win over the environment, which wins over the file.\n\n")
	for _, s := range Settings() {
		def := s.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(w, "  -%s / %s / %s\n      %s (default %s)\n", FlagName(s.Name), s.Name, FileKey(s.Name), s.Help, def)
	}
}
