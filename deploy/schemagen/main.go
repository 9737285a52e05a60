// Command schemagen turns the Kubernetes OpenAPI (swagger 2.0) document into the standalone,
// strict JSON schemas kubeconform reads, laid out like kubeconform's default registry
// ({out}/v{version}-standalone-strict/{kind}-{group}-{version}.json), so that the manifests
// under deploy/ are validated without the network: CI takes swagger.json from the
// k8s.io/kubernetes module of the Go module proxy (.ci/run). It is CI tooling only: nothing in
// the gateway imports it.
//
// The conversion follows yannh/openapi2jsonschema's strict mode: every object that lists its
// properties refuses others (additionalProperties: false), int-or-string and quantity values
// accept a string or a number, kind and apiVersion are pinned per file, and each file carries
// only the definitions its kind reaches.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	swagger := flag.String("swagger", "", "path of the Kubernetes api/openapi-spec/swagger.json")
	out := flag.String("out", "", "directory to write the schemas to")
	version := flag.String("kubernetes-version", "", "Kubernetes version the document is from, e.g. 1.34.4")
	flag.Parse()
	if *swagger == "" || *out == "" || *version == "" {
		flag.Usage()
		os.Exit(2)
	}
	n, err := run(*swagger, *out, *version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	fmt.Printf("schemagen: %d schemas for Kubernetes %s in %s\n", n, *version, *out)
}

func run(swaggerPath, out, version string) (int, error) {
	raw, err := os.ReadFile(swaggerPath)
	if err != nil {
		return 0, err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return 0, fmt.Errorf("%s: %w", swaggerPath, err)
	}
	files, err := Convert(doc.Definitions)
	if err != nil {
		return 0, err
	}
	dir := filepath.Join(out, "v"+strings.TrimPrefix(version, "v")+"-standalone-strict")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	for name, schema := range files {
		b, err := json.Marshal(schema)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

// gvk is a definition's x-kubernetes-group-version-kind entry.
type gvk struct {
	Group, Version, Kind string
}

// Convert returns one standalone strict schema per kind, keyed by kubeconform's file name.
func Convert(defs map[string]map[string]any) (map[string]map[string]any, error) {
	strict := make(map[string]any, len(defs))
	for name, d := range defs {
		strict[name] = transform(name, d)
	}
	files := map[string]map[string]any{}
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, k := range kinds(defs[name]) {
			if k.Kind == "" {
				continue
			}
			file := fileName(k)
			if _, dup := files[file]; dup {
				continue // the first (sorted) definition of a kind wins, as in openapi2jsonschema
			}
			reached := map[string]any{}
			collect(strict[name], strict, reached)
			root := clone(strict[name]).(map[string]any)
			props, _ := root["properties"].(map[string]any)
			apiVersion := k.Version
			if k.Group != "" {
				apiVersion = k.Group + "/" + k.Version
			}
			if props != nil {
				props["kind"] = map[string]any{"type": "string", "enum": []any{k.Kind}}
				props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
			}
			if len(reached) > 0 {
				root["definitions"] = reached
			}
			files[file] = root
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no definition carries x-kubernetes-group-version-kind")
	}
	return files, nil
}

// fileName is kubeconform's schema file name of a kind: kind-group-version.json with the
// group's first label ("apps", "autoscaling", "networking"), or kind-version.json for core.
func fileName(k gvk) string {
	name := strings.ToLower(k.Kind)
	if k.Group != "" {
		name += "-" + strings.ToLower(strings.Split(k.Group, ".")[0])
	}
	return name + "-" + strings.ToLower(k.Version) + ".json"
}

func kinds(d map[string]any) []gvk {
	list, _ := d["x-kubernetes-group-version-kind"].([]any)
	var out []gvk
	for _, e := range list {
		m, _ := e.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		out = append(out, gvk{g, v, k})
	}
	return out
}

// transform rewrites one swagger schema (recursively) into strict JSON schema.
func transform(name string, v any) any {
	switch name {
	case "io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	}
	return walk(v)
}

func walk(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t["format"] == "int-or-string" {
			return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
		}
		out := make(map[string]any, len(t)+1)
		for k, e := range t {
			if strings.HasPrefix(k, "x-kubernetes-") {
				continue
			}
			if k == "properties" {
				// Property names are data, not keywords: walk their schemas, not the map.
				props := map[string]any{}
				for pk, pv := range e.(map[string]any) {
					props[pk] = walk(pv)
				}
				out[k] = props
				continue
			}
			out[k] = walk(e)
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = walk(e)
		}
		return out
	}
	return v
}

// collect adds to reached every definition v refers to, transitively.
func collect(v any, defs map[string]any, reached map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			if _, seen := reached[name]; !seen {
				if d, ok := defs[name]; ok {
					reached[name] = d
					collect(d, defs, reached)
				}
			}
		}
		for _, e := range t {
			collect(e, defs, reached)
		}
	case []any:
		for _, e := range t {
			collect(e, defs, reached)
		}
	}
}

func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = clone(e)
		}
		return out
	}
	return v
}
