package sandbox

import (
	"net/http"
	"strconv"

	"custgraph/upstream/sim"
)

// ctError is one entry of commercetools' errors array; unset fields are left out.
type ctError struct {
	Code                 string `json:"code"`
	Message              string `json:"message"`
	DetailedErrorMessage string `json:"detailedErrorMessage,omitempty"`
	Field                string `json:"field,omitempty"`
	DuplicateValue       any    `json:"duplicateValue,omitempty"`
	CurrentVersion       int64  `json:"currentVersion,omitempty"`
	ExceededResource     string `json:"exceededResource,omitempty"`
	TypeID               string `json:"typeId,omitempty"`
	ID                   string `json:"id,omitempty"`
	Key                  string `json:"key,omitempty"`
	Action               string `json:"action,omitempty"`
}

type errorResponse struct {
	StatusCode       int       `json:"statusCode"`
	Message          string    `json:"message"`
	Errors           []ctError `json:"errors"`
	Error            string    `json:"error,omitempty"`
	ErrorDescription string    `json:"error_description,omitempty"`
}

// writeErrors writes commercetools' ErrorResponse; its message is the first error's.
func writeErrors(w http.ResponseWriter, status int, errs ...ctError) {
	sim.WriteJSON(w, status, errorResponse{StatusCode: status, Message: errs[0].Message, Errors: errs})
}

// writeAuthError writes commercetools' AuthErrorResponse, which also carries the OAuth 2.0
// error and error_description fields.
func writeAuthError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized && code == "invalid_token" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	sim.WriteJSON(w, status, errorResponse{StatusCode: status, Message: msg,
		Errors: []ctError{{Code: code, Message: msg}}, Error: code, ErrorDescription: msg})
}

func invalidInput(w http.ResponseWriter, msg string) {
	writeErrors(w, http.StatusBadRequest, ctError{Code: "InvalidInput", Message: msg})
}

func invalidJSON(w http.ResponseWriter, detail string) {
	writeErrors(w, http.StatusBadRequest, ctError{Code: "InvalidJsonInput",
		Message: "Request body does not contain valid JSON.", DetailedErrorMessage: detail})
}

// WriteFault renders an injected fault as commercetools would answer it.
func (s *Simulator) WriteFault(w http.ResponseWriter, _ *http.Request, f sim.Fault) {
	status, code, msg := f.Status, "General", "Internal Server Error."
	retryAfter := f.RetryAfter
	switch f.Kind {
	case sim.FaultConcurrency:
		// commercetools sheds load with 503 rather than a 429 concurrency error.
		status, code, msg = http.StatusServiceUnavailable, "ServiceUnavailable",
			"The service is temporarily overloaded. Retry later."
		retryAfter = max(retryAfter, 1)
	case sim.FaultRateLimited:
		status, code, msg = http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Retry later."
	default:
		if status == 0 {
			status = http.StatusServiceUnavailable
		}
		switch status {
		case http.StatusServiceUnavailable:
			code, msg = "ServiceUnavailable", "The service is temporarily unavailable. Retry later."
		case http.StatusTooManyRequests:
			code, msg = "TooManyRequests", "Too many requests. Retry later."
		}
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	writeErrors(w, status, ctError{Code: code, Message: msg})
}
