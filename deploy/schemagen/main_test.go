package main

import (
	"encoding/json"
	"testing"
)

// TestConvert converts a slice of the Kubernetes document: file names follow kubeconform's
// registry, objects become strict, int-or-string accepts both, and a kind's file carries the
// definitions it reaches and no others.
func TestConvert(t *testing.T) {
	t.Parallel()
	var defs map[string]map[string]any
	if err := json.Unmarshal([]byte(`{
	  "io.k8s.api.apps.v1.Deployment": {
	    "type": "object",
	    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
	      "spec": {"$ref": "#/definitions/io.k8s.api.apps.v1.DeploymentSpec"}},
	    "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}]
	  },
	  "io.k8s.api.apps.v1.DeploymentSpec": {
	    "type": "object", "required": ["selector"],
	    "properties": {"replicas": {"type": "integer"}, "port": {"type": "string", "format": "int-or-string"}}
	  },
	  "io.k8s.api.core.v1.Service": {
	    "type": "object", "properties": {"kind": {"type": "string"}},
	    "x-kubernetes-group-version-kind": [{"group": "", "kind": "Service", "version": "v1"}]
	  },
	  "io.k8s.api.networking.v1.Ingress": {
	    "type": "object", "properties": {},
	    "x-kubernetes-group-version-kind": [{"group": "networking.k8s.io", "kind": "Ingress", "version": "v1"}]
	  }
	}`), &defs); err != nil {
		t.Fatal(err)
	}
	files, err := Convert(defs)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"deployment-apps-v1.json", "service-v1.json", "ingress-networking-v1.json"} {
		if files[name] == nil {
			t.Errorf("no %s among %d files", name, len(files))
		}
	}
	got, _ := json.Marshal(files["deployment-apps-v1.json"])
	want := `{"additionalProperties":false,"definitions":{"io.k8s.api.apps.v1.DeploymentSpec":{"additionalProperties":false,` +
		`"properties":{"port":{"oneOf":[{"type":"string"},{"type":"integer"}]},"replicas":{"type":"integer"}},"required":["selector"],"type":"object"}},` +
		`"properties":{"apiVersion":{"enum":["apps/v1"],"type":"string"},"kind":{"enum":["Deployment"],"type":"string"},` +
		`"spec":{"$ref":"#/definitions/io.k8s.api.apps.v1.DeploymentSpec"}},"type":"object"}`
	if string(got) != want {
		t.Errorf("deployment schema:\n got %s\nwant %s", got, want)
	}
	if svc, _ := json.Marshal(files["service-v1.json"]); string(svc) != `{"additionalProperties":false,"properties":{"apiVersion":{"enum":["v1"],"type":"string"},"kind":{"enum":["Service"],"type":"string"}},"type":"object"}` {
		t.Errorf("service schema: %s", svc)
	}
}
