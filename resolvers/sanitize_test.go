package resolvers

import (
	"log/slog"
	"strings"
	"testing"

	"custgraph/upstream"
)

// TestUpstreamMessagesAreSanitized: what an upstream wrote in an error body reaches the caller
// without control or invisible characters, credentials, or the gateway's own query text.
func TestUpstreamMessagesAreSanitized(t *testing.T) {
	t.Parallel()
	jwt := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	tests := []struct {
		name, in string
		want     string   // exact, when set
		absent   []string // must not survive
	}{
		{"plain", "Customer group with key 'gold' not found.", "Customer group with key 'gold' not found.", nil},
		{"uuid kept", "The CustomerGroup with ID '6f1c2a52-8d0e-5b8e-9a43-2f6a0c3d9e71' was not found.",
			"The CustomerGroup with ID '6f1c2a52-8d0e-5b8e-9a43-2f6a0c3d9e71' was not found.", nil},
		{"line breaks", "first line\r\nforged: log line\tend", "first line forged: log line end", nil},
		{"bidi and zero width", "name \u202eevil\u200b text\x00\x1b[31m", "name evil text[31m", []string{"\u202e", "\u200b", "\x00", "\x1b"}},
		{"bearer token", "invalid header Authorization: Bearer sk_live_abc.def", "", []string{"sk_live_abc.def"}},
		{"jwt", "token " + jwt + " expired", "token [redacted] expired", []string{jwt}},
		{"long key", "key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 refused", "key [redacted] refused", nil},
		{"query text", "Invalid search query. Search error occurred: SELECT c.entityid FROM customer c WHERE c.entityid IN ('C-1', 'C-2')",
			"Invalid search query. Search error occurred: [query omitted]", []string{"C-2"}},
		{"long", strings.Repeat("é", 400), "", nil},
		{"invalid utf-8", "bad \xff byte", "bad \uFFFD byte", nil},
	}
	for _, tc := range tests {
		got := sanitizeUpstreamMessage(tc.in)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
		for _, a := range tc.absent {
			if strings.Contains(got, a) {
				t.Errorf("%s: %q survived in %q", tc.name, a, got)
			}
		}
		if len(got) > maxUpstreamMessage+len("…") {
			t.Errorf("%s: %d bytes", tc.name, len(got))
		}
	}

	// Through the presenter.
	present := ErrorPresenter(slog.New(slog.DiscardHandler))
	gerr := present(t.Context(), &upstream.Error{Upstream: "sales", Status: 400, Kind: upstream.KindValidation,
		Code: "parameter_invalid", Message: "bad q\n" + jwt})
	if gerr.Message != "sales rejected the input: bad q [redacted]" || gerr.Extensions["code"] != CodeBadUserInput {
		t.Errorf("presented: %q %v", gerr.Message, gerr.Extensions)
	}
}
