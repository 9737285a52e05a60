package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMDrainsInFlight runs the real binary (cmd/gateway, sandbox mode) as a process, sends
// it SIGTERM while a query waits on the simulated upstreams, and checks that the query still
// gets its whole answer and the process exits 0 within its grace period.
func TestSIGTERMDrainsInFlight(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "gateway")
	if out, err := exec.Command("go", "build", "-o", bin, "custgraph/cmd/gateway").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "CUSTGRAPH_ADDR=127.0.0.1:0", "CUSTGRAPH_SANDBOX_ADDR=127.0.0.1:0",
		"CUSTGRAPH_SANDBOX_CUSTOMERS=20", "CUSTGRAPH_SANDBOX_LATENCY=400ms", "CUSTGRAPH_SHUTDOWN_TIMEOUT=10s",
		"CUSTGRAPH_REDIS_URL=", "CUSTGRAPH_LOG_FORMAT=json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	endpoint, sandbox := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "custgraph GraphQL endpoint: "); ok {
				endpoint <- u
			}
			if rest, ok := strings.CutPrefix(line, "custgraph sandbox mode: "); ok {
				if i := strings.Index(rest, "http://"); i >= 0 {
					sandbox <- strings.Fields(rest[i:])[0]
				}
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var url, sandboxURL string
	for url == "" || sandboxURL == "" {
		select {
		case url = <-endpoint:
		case sandboxURL = <-sandbox:
		case <-time.After(30 * time.Second):
			t.Fatalf("the gateway printed no endpoint or sandbox URL; stderr:\n%s", stderr.String())
		}
	}

	type result struct {
		status int
		body   []byte
		err    error
	}
	res := make(chan result, 1)
	start := time.Now()
	go func() {
		body, _ := json.Marshal(map[string]any{"query": `{ customers(first: 3) { nodes { number category { name } } } }`})
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, b, err}
	}()
	// Signal once the query waits on its first 400 ms upstream call.
	eventually(t, "query in flight", func() bool {
		resp, err := http.Get(sandboxURL + "/sales/_sim/stats")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var st struct{ Requests int64 }
		_ = json.NewDecoder(resp.Body).Decode(&st)
		return st.Requests > 0
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	r := <-res
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("the query in flight at SIGTERM: %d %v %s", r.status, r.err, r.body)
	}
	var out struct {
		Data struct {
			Customers struct{ Nodes []struct{ Number string } }
		}
		Errors []any
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Errors) > 0 || len(out.Data.Customers.Nodes) != 3 {
		t.Fatalf("the query in flight at SIGTERM answered %s", r.body)
	}
	if took := time.Since(start); took < 800*time.Millisecond {
		t.Errorf("answered after %v: the two 400 ms upstream rounds cannot have run", took)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15 s after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"shutting down"`) {
		t.Errorf("no shutdown line in the log:\n%s", stderr.String())
	}
}
