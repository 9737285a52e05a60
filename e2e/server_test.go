package e2e

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServerRefusesHeaderFloodsAndSlowHeaders: the gateway's HTTP server (gateway.Run) answers a
// request whose headers exceed its limit with 431, and closes a connection that never finishes
// its headers once the read-header timeout (5 s) has passed, instead of holding it open.
func TestServerRefusesHeaderFloodsAndSlowHeaders(t *testing.T) {
	t.Parallel()
	s, _, _, _ := runGateway(t, nil)
	addr := strings.TrimPrefix(s.URL, "http://")

	t.Run("header flood", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Flood", strings.Repeat("a", 200<<10))
		resp, err := rawClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("200 KiB of headers: status %d, want 431", resp.StatusCode)
		}
		// A large bearer token still fits.
		req.Header.Del("X-Flood")
		req.Header.Set("Authorization", "Bearer "+strings.Repeat("b", 16<<10))
		resp, err = rawClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("a 16 KiB token: status %d, want 200", resp.StatusCode)
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err = bufio.NewReader(conn).ReadString('\n')
		took := time.Since(start)
		if err == nil {
			t.Fatalf("the server answered an unfinished request")
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("the server still held the connection after %v", took)
		}
		if took < 4*time.Second || took > 10*time.Second {
			t.Errorf("connection closed after %v, want about the 5 s read-header timeout", took)
		}
	})
}
