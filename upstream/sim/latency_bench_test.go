package sim_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"custgraph/upstream/sim"
)

// BenchmarkSimulatedCall is the floor under every cold figure of cmd/loadtest: one call to a
// simulator with 50 ms latency answering an 88 KB body (the size of the sales page of list-50),
// read whole by a Go client over a real socket, with no gateway involved. "net-http" is the
// same exchange without sim.Server: a handler that waits 50 ms from arrival and writes.
func BenchmarkSimulatedCall(b *testing.B) {
	const latency = 50 * time.Millisecond
	body := bytes.Repeat([]byte("x"), 88<<10)
	write := func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, _ *http.Request) { write(w) })
	servers := []struct {
		name string
		h    http.Handler
	}{
		{"sim-server", sim.NewServer(mux, noFaults{}, sim.Options{Latency: latency})},
		{"net-http", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			time.Sleep(latency)
			write(w)
		})},
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ts := httptest.NewServer(s.h)
			defer ts.Close()
			client := ts.Client()
			for b.Loop() {
				resp, err := client.Get(ts.URL + "/page")
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || n != int64(len(body)) {
					b.Fatalf("%d, %d bytes", resp.StatusCode, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/call")
		})
	}
}
