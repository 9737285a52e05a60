package e2e

import (
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"custgraph/simstack"
	salessandbox "custgraph/upstream/sales/sandbox"
)

// suiteAudit is the secrets check over the whole e2e suite: every gateway the harness starts
// (addGateway, gatewayWith) logs at debug level into it and calls the upstreams through its
// wire recorder, which keeps each credential that crossed the wire (keys, client secrets and
// assertions, issued access tokens); every response the harness reads is kept too, headers
// included. After the last test, TestMain fails the package when any of those credentials, or a
// simulator's configured secret, appears in a log line or a response. TestSecretsNeverLeak is
// the targeted version: caller credentials, outages and refused tokens on purpose.
type suiteAudit struct {
	wire      *wireRecorder
	logs      lockedBuffer
	responses lockedBuffer

	mu         sync.Mutex
	configured map[string]string // secret -> what it is
}

// audit is the suite's one record; the tests append to it and TestMain reads it at the end.
var audit = &suiteAudit{wire: &wireRecorder{seen: map[string]bool{}, inner: http.DefaultTransport},
	configured: map[string]string{}}

// client is the HTTP client a harness gateway calls the upstreams with.
func (a *suiteAudit) client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: a.wire}
}

// logger is a harness gateway's logger: everything, debug included, into the audit.
func (a *suiteAudit) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// response keeps one answer the suite read.
func (a *suiteAudit) response(body []byte, header http.Header) {
	_, _ = a.responses.Write(body)
	for k, vs := range header {
		_, _ = fmt.Fprintf(&a.responses, "%s: %s\n", k, strings.Join(vs, ","))
	}
}

// configure records the secrets a stack's simulators were configured with.
func (a *suiteAudit) configure(stack *simstack.Stack) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ct := stack.CommercetoolsConfig()
	a.configured[salessandbox.APIKey] = "sales API key"
	a.configured[ct.ClientSecret] = "commercetools client secret"
	for i, line := range strings.Split(string(stack.NetSuiteConfig().PrivateKeyPEM), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			a.configured[line] = "NetSuite private key line " + strconv.Itoa(i)
		}
	}
}

// check returns the secrets found, or nil; checked says how much was looked at.
func (a *suiteAudit) check() (leaks []string, checked string) {
	logs, responses := a.logs.String(), a.responses.String()
	a.mu.Lock()
	secrets := make(map[string]string, len(a.configured))
	for s, what := range a.configured {
		secrets[s] = what
	}
	a.mu.Unlock()
	for i, c := range a.wire.credentials() {
		if _, ok := secrets[c]; !ok {
			secrets[c] = "upstream credential seen on the wire #" + strconv.Itoa(i)
		}
	}
	for s, what := range secrets {
		if strings.Contains(logs, s) {
			leaks = append(leaks, what+" in a log line")
		}
		if strings.Contains(responses, s) {
			leaks = append(leaks, what+" in a response")
		}
	}
	sort.Strings(leaks)
	return leaks, fmt.Sprintf("%d secrets against %d bytes of debug log and %d bytes of responses",
		len(secrets), len(logs), len(responses))
}
