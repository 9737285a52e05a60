// Package sandbox simulates the parts of NetSuite's SuiteTalk REST web services that custgraph
// uses, for tests, local runs and load tests: the OAuth 2.0 client credentials (M2M) token
// endpoint, customerCategory records (list with q, get with fields=, create, patch, delete), the
// customer record's category (list with q, get, patch) and SuiteQL over the customercategory and
// customer tables. It follows section 1 of the upstream contract; where the contract is silent it
// copies NetSuite's documented behaviour, and its own choices are listed here.
//
// It must not be used against, or hold credentials for, a real account: its key pair is a fixed,
// published sandbox key that guards nothing.
//
// Choices:
//   - Data: categories "1".."n" from the seed; customer internal ids are 5001 + the seed index,
//     entityId and externalId are the seed number, companyName the seed name, every seeded
//     customer is active. Reset restores exactly this.
//   - Token endpoint: verifies the client assertion (ES256 with the sandbox key, typ JWT, kid =
//     SandboxCertificateID, iss = SandboxClientID, aud = this server's token URL, iat/exp present
//     with exp - iat <= 1 h, scope including rest_webservices as a JSON array or a comma-separated
//     string). Failures are 400 {"error": "invalid_request" | "unsupported_grant_type" |
//     "invalid_grant"}. Tokens come from sim.Tokens and live an hour; expires_in is sent as the
//     string "3600", as NetSuite sends it.
//   - Every other route answers 401 INVALID_LOGIN without a live bearer token.
//   - q: the grammar of nsql.ParseQ (AND binds tighter than OR; string values double-quoted with
//     \" and \\ escapes, bare words also read as text; booleans true/false; numbers; [a, b]
//     lists). String operators ignore case. Errors are 400 INVALID_PARAMETER naming q.
//   - Paging: limit 1..1000 (default 1000), offset a multiple of limit (NetSuite's rule), else
//     400 INVALID_PARAMETER. Links are self, then next and prev when they exist.
//   - Names are unique ignoring case and surrounding spaces; a taken name is 400 USER_ERROR
//     "...This record already exists...". Deleting a category assigned to any customer (active
//     or not) is 400 USER_ERROR "...cannot be deleted because it has dependent records."
//   - A customer can only be given an existing, active category (else 400 INVALID_CONTENT with
//     o:errorPath category); {"category": null} or {"category": {"id": ""}} clears it.
//   - SuiteQL needs "Prefer: transient" (else 400 INVALID_HEADER); it supports the nsql subset
//     over customercategory (id, name, isinactive) and customer (id, entityid, externalid,
//     companyname, category, isinactive); comparisons are typed (numbers with numbers, text with
//     text; booleans are 'T'/'F' text) and case-sensitive unless wrapped in UPPER(). Anything else
//     is 400 INVALID_PARAMETER "Invalid search query...". NULL columns are left out of a row.
//   - Faults: 429 CONCURRENCY_LIMIT_EXCEEDED for the concurrency limit and injected 429s; 5xx are
//     UNEXPECTED_ERROR; Retry-After only when the fault sets it.
package sandbox

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"time"

	"custgraph/upstream/netsuite"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// Sandbox credentials: ClientConfig fills them in; the token endpoint accepts only them.
const (
	SandboxClientID      = "custgraph-sandbox-client"
	SandboxCertificateID = "custgraph-sandbox-cert-1"
)

// sandboxKeyPEM is the sandbox integration's EC P-256 private key. It is published on purpose:
// it only opens this simulator.
const sandboxKeyPEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmPtdeDC7/zNAxPap
dhrZLFE+EFV9iM6MwFMCMk2KDVChRANCAAR4MGE4Zkhi9VfZitug8HjsQXyacZOs
rMGv8MMAjunPkstM92XIYkEw1UdY9Qj1VWGOIuOluUF+IG0QCBUZW5Hd
-----END PRIVATE KEY-----
`

// tokenTTL is the lifetime of issued access tokens, as NetSuite's M2M tokens.
const tokenTTL = time.Hour

// Options configure a Simulator.
type Options struct {
	Seed    seed.Dataset  // zero value: seed.Generate(seed.Options{})
	Latency time.Duration // added to every contract request
}

// Simulator is the NetSuite sandbox: an http.Handler with the /_sim admin surface.
type Simulator struct {
	srv    *sim.Server
	tokens *sim.Tokens
}

// New builds a simulator seeded from opts.Seed.
func New(opts Options) *Simulator {
	ds := opts.Seed
	if len(ds.Categories) == 0 && len(ds.Customers) == 0 {
		ds = seed.Generate(seed.Options{})
	}
	tokens := sim.NewTokens(tokenTTL)
	b := newBackend(ds, tokens, sandboxPublicKey())
	mux := http.NewServeMux()
	b.routes(mux)
	return &Simulator{srv: sim.NewServer(mux, b, sim.Options{Latency: opts.Latency, Tokens: tokens, Reads: []string{"POST " + suiteQLPath}}), tokens: tokens}
}

// ServeHTTP serves the contract routes and /_sim.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.srv.ServeHTTP(w, r) }

// Server gives tests Stats, Reset and SetFaults.
func (s *Simulator) Server() *sim.Server { return s.srv }

// ClientConfig is a netsuite.Config the simulator at baseURL accepts: the sandbox client id,
// certificate id and key. The caller may add HTTPClient, Logger and Retry.
func ClientConfig(baseURL string) netsuite.Config {
	return netsuite.Config{
		BaseURL:       baseURL,
		ClientID:      SandboxClientID,
		CertificateID: SandboxCertificateID,
		PrivateKeyPEM: []byte(sandboxKeyPEM),
	}
}

// sandboxPublicKey is the public half of sandboxKeyPEM. The key is a constant, so failing to
// parse it is a programming error.
func sandboxPublicKey() *ecdsa.PublicKey {
	block, _ := pem.Decode([]byte(sandboxKeyPEM))
	if block == nil {
		panic("sandbox: bad sandbox key PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic("sandbox: bad sandbox key: " + err.Error())
	}
	return &k.(*ecdsa.PrivateKey).PublicKey
}
