package netsuite

import (
	"encoding/json"
	"net/http"
	"strings"

	"custgraph/upstream"
)

// errorBody is NetSuite's REST error: an RFC 9457-style problem with o:errorDetails.
type errorBody struct {
	Title   string        `json:"title"`
	Status  int           `json:"status"`
	Details []errorDetail `json:"o:errorDetails"`
}

type errorDetail struct {
	Detail     string `json:"detail"`
	Code       string `json:"o:errorCode"`
	Path       string `json:"o:errorPath"`
	QueryParam string `json:"o:errorQueryParam"`
	Header     string `json:"o:errorHeader"`
}

// Codes that change the Kind a status alone would give.
const (
	codeNotFound    = "NONEXISTENT_ID"
	codeConcurrency = "CONCURRENCY_LIMIT_EXCEEDED"
	codeLogin       = "INVALID_LOGIN"
	codeDupRecord   = "DUP_RCRD"
	codeDupEntity   = "DUP_ENTITY"
	codeDependents  = "THIS_RECORD_CANNOT_BE_DELETED_BECAUSE_IT_HAS_DEPENDENT_RECORDS"
	codePermission  = "INSUFFICIENT_PERMISSION"
)

// inUseMessage replaces NetSuite's wording for the one failure the gateway must explain itself.
const inUseMessage = "the customer category is still assigned to customers and cannot be deleted: " +
	"remove it from those customers first, or mark it inactive"

// decodeError reads o:errorDetails[0] into e and refines e.Kind from NetSuite's code and detail.
func decodeError(e *upstream.Error, body []byte) {
	var b errorBody
	if err := json.Unmarshal(body, &b); err != nil || len(b.Details) == 0 {
		return
	}
	d := b.Details[0]
	e.Code = d.Code
	e.Message = d.Detail
	switch {
	case d.Path != "":
		e.Field = d.Path
	case d.QueryParam != "":
		e.Field = d.QueryParam
	case d.Header != "":
		e.Field = d.Header
	}
	detail := strings.ToLower(d.Detail)
	switch {
	case d.Code == codeNotFound:
		e.Kind = upstream.KindNotFound
	case d.Code == codeConcurrency:
		e.Kind = upstream.KindRateLimited
	case d.Code == codeLogin:
		e.Kind = upstream.KindUnauthorized
	case d.Code == codePermission:
		e.Kind = upstream.KindForbidden
	case d.Code == codeDupRecord || d.Code == codeDupEntity ||
		(e.Status == http.StatusBadRequest && (strings.Contains(detail, "already exists") || strings.Contains(detail, "unique name"))):
		// NetSuite reports a taken name as DUP_RCRD in SOAP and as a USER_ERROR whose detail
		// says the record already exists in REST; accept both.
		e.Kind = upstream.KindDuplicate
		if e.Field == "" {
			e.Field = "name"
		}
	case e.Method == http.MethodDelete && (d.Code == codeDependents ||
		strings.Contains(detail, "dependent record") || strings.Contains(detail, "in use")):
		e.Kind = upstream.KindConflict
		e.Message = inUseMessage + " (NetSuite: " + d.Detail + ")"
	}
}

// tokenErrorBody is the OAuth 2.0 error of the token endpoint (RFC 6749 section 5.2).
type tokenErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// decodeTokenError reads the token endpoint's OAuth error. A refused request (400/401, e.g.
// invalid_grant for an assertion NetSuite does not accept) is KindUnauthorized: the gateway's
// own credentials are wrong, which no retry fixes. Outages keep the status's kind (transient).
func decodeTokenError(e *upstream.Error, body []byte) {
	var b tokenErrorBody
	if err := json.Unmarshal(body, &b); err == nil && b.Error != "" {
		e.Code = b.Error
		e.Message = b.Description
		if e.Status == http.StatusBadRequest || e.Status == http.StatusUnauthorized {
			e.Kind = upstream.KindUnauthorized
		}
		return
	}
	// Faults on the token endpoint come in the REST error shape.
	decodeError(e, body)
}

// invalid is the error for arguments rejected before any request is sent.
func (c *Client) invalid(method, path, field, msg string) error {
	return &upstream.Error{Upstream: upstreamName, Method: method, Path: c.basePath + path,
		Kind: upstream.KindValidation, Code: "invalid_argument", Field: field, Message: msg}
}

// notFound is the error for an id that cannot name a record, answered without a request.
func (c *Client) notFound(method, path, msg string) error {
	return &upstream.Error{Upstream: upstreamName, Method: method, Path: c.basePath + path,
		Kind: upstream.KindNotFound, Code: codeNotFound, Message: msg}
}
