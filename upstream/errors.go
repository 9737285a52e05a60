// Package upstream holds what the three upstream clients share with the layers above them: the
// typed error every client returns, so the graph layer maps failures to GraphQL error codes
// without knowing any vendor's wire format. It must not import anything GraphQL.
package upstream

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an upstream failure by what the caller can do about it.
type Kind int

const (
	KindUnknown      Kind = iota
	KindNotFound          // the record does not exist
	KindValidation        // the upstream rejected the input (400, 422)
	KindConflict          // stale version, record in use, idempotency key reused
	KindDuplicate         // a unique field (name, key) is taken
	KindRateLimited       // 429 or a concurrency limit; RetryAfter may say when
	KindUnavailable       // 5xx, network failure, timeout
	KindUnauthorized      // the gateway's own credentials were refused (401)
	KindForbidden         // the credentials lack a scope (403)
)

var kindNames = [...]string{"unknown", "not_found", "validation", "conflict", "duplicate",
	"rate_limited", "unavailable", "unauthorized", "forbidden"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the one error type the upstream clients return for a failed call. Its text names the
// upstream, method, path and status; it never holds credentials or request bodies.
type Error struct {
	Upstream string // "netsuite", "commercetools", "sales"
	Method   string
	Path     string // URL path without the query string
	Status   int    // HTTP status, 0 when no response arrived
	Kind     Kind
	Code     string // the upstream's own error code, e.g. NONEXISTENT_ID, ConcurrentModification
	Message  string // the upstream's message, truncated
	Field    string // the offending field or parameter, when the upstream names one

	// CurrentVersion is the record's version when a versioned write conflicted (commercetools).
	CurrentVersion int64
	// RetryAfter is how long the upstream asked callers to wait (429 Retry-After).
	RetryAfter time.Duration
	// Err is the transport error when no response arrived.
	Err error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: %s %s", e.Upstream, e.Method, e.Path)
	if e.Status != 0 {
		msg += fmt.Sprintf(": %d", e.Status)
	}
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var ue *Error
	if errors.As(err, &ue) {
		return ue
	}
	return nil
}

// KindOf returns the Kind of the *Error in err's chain, KindUnknown when there is none.
func KindOf(err error) Kind {
	if ue := As(err); ue != nil {
		return ue.Kind
	}
	return KindUnknown
}

// IsNotFound reports whether err says the record does not exist.
func IsNotFound(err error) bool { return KindOf(err) == KindNotFound }

// Transient reports whether a later identical call may succeed: rate limits and unavailability.
func Transient(err error) bool {
	k := KindOf(err)
	return k == KindRateLimited || k == KindUnavailable
}

// KindFromStatus is the default classification of an HTTP status; clients refine it with the
// upstream's own error code (a 400 DuplicateField is KindDuplicate, not KindValidation).
func KindFromStatus(status int) Kind {
	switch {
	case status == 404:
		return KindNotFound
	case status == 409:
		return KindConflict
	case status == 429:
		return KindRateLimited
	case status == 401:
		return KindUnauthorized
	case status == 403:
		return KindForbidden
	case status == 400 || status == 422:
		return KindValidation
	case status >= 500:
		return KindUnavailable
	}
	return KindUnknown
}
