package resolvers

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxUpstreamMessage bounds the part of an upstream's error text a caller sees.
const maxUpstreamMessage = 300

// credentialLike matches what could be a credential echoed by an upstream: a scheme and a
// token, a JWT, or a long unbroken run of key-like characters (API keys, access tokens, hashes).
func credentialLike() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|[A-Za-z0-9_+/=-]{40,}`)
}

// queryText matches the start of a query the gateway built (SuiteQL, a predicate), which some
// upstreams quote back in their errors: the caller did not write it and need not read it.
func queryText() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(select\s.+\sfrom\s|where\s.+=)`)
}

// sanitizeUpstreamMessage makes an upstream's error text fit to show a caller: no control or
// invisible formatting characters (line breaks, bidi overrides, zero-width characters that could
// forge or hide text in a client's log or UI), nothing that looks like a credential, no quoted
// query text, at most maxUpstreamMessage bytes.
func sanitizeUpstreamMessage(s string) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if loc := queryText().FindStringIndex(s); loc != nil {
		s = strings.TrimSpace(s[:loc[0]]) + " [query omitted]"
	}
	s = credentialLike().ReplaceAllString(s, "[redacted]")
	if len(s) > maxUpstreamMessage {
		cut := maxUpstreamMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
