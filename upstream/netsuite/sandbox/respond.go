package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// NetSuite's error codes the simulator sends.
const (
	codeNotFound     = "NONEXISTENT_ID"
	codeLogin        = "INVALID_LOGIN"
	codeConcurrency  = "CONCURRENCY_LIMIT_EXCEEDED"
	codeInvalidParam = "INVALID_PARAMETER"
	codeInvalidBody  = "INVALID_CONTENT"
	codeInvalidHdr   = "INVALID_HEADER"
	codeUser         = "USER_ERROR"
)

const (
	invalidLoginDetail = "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail."
	nonexistentDetail  = "The record instance does not exist. Provide a valid record instance ID."
	duplicateDetail    = "Error while accessing a resource. This record already exists: a customer category with this name exists, and every customer category must have a unique name."
	dependentsDetail   = "Error while accessing a resource. This record cannot be deleted because it has dependent records."
	searchErrorPrefix  = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "
)

// Media types NetSuite labels its answers with.
const (
	mediaError      = "application/vnd.oracle.resource+json; type=error"
	mediaSingular   = "application/vnd.oracle.resource+json; type=singular-resource"
	mediaCollection = "application/vnd.oracle.resource+json; type=collection"
)

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// errorWhere points at the part of the request that is wrong.
type errorWhere struct {
	Path       string `json:"o:errorPath,omitempty"`
	QueryParam string `json:"o:errorQueryParam,omitempty"`
	Header     string `json:"o:errorHeader,omitempty"`
}

type errorDetail struct {
	Detail string `json:"detail"`
	Code   string `json:"o:errorCode"`
	errorWhere
}

type errorBody struct {
	Type    string        `json:"type"`
	Title   string        `json:"title"`
	Status  int           `json:"status"`
	Details []errorDetail `json:"o:errorDetails"`
}

// problemType is the "type" URL of an error: the RFC 9110 section of the status (429 is defined
// in RFC 6585).
func problemType(status int) string {
	sections := map[int]string{
		400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5", 405: "15.5.6", 409: "15.5.10",
		413: "15.5.14", 415: "15.5.16", 422: "15.5.21", 500: "15.6.1", 502: "15.6.3", 503: "15.6.4", 504: "15.6.5",
	}
	if status == http.StatusTooManyRequests {
		return "https://www.rfc-editor.org/rfc/rfc6585.html#section-4"
	}
	if s, ok := sections[status]; ok {
		return "https://www.rfc-editor.org/rfc/rfc9110.html#section-" + s
	}
	if status >= 500 {
		return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6"
	}
	return "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5"
}

func writeError(w http.ResponseWriter, status int, code, detail string, where errorWhere) {
	writeBody(w, status, mediaError, errorBody{
		Type:    problemType(status),
		Title:   http.StatusText(status),
		Status:  status,
		Details: []errorDetail{{Detail: detail, Code: code, errorWhere: where}},
	})
}

func writeBody(w http.ResponseWriter, status int, media string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", media)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// orderedObject is a JSON object that keeps its keys in insertion order, as NetSuite's SuiteQL
// rows list "links" and then the selected columns.
type orderedObject struct {
	keys   []string
	values []any
}

func (o *orderedObject) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.values = append(o.values, v)
}

func (o *orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(o.values[i])
		if err != nil {
			return nil, err
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
