package commercetools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

const upstreamName = "commercetools"

// Config builds a Client.
type Config struct {
	APIURL, AuthURL, ProjectKey, ClientID, ClientSecret string
	Scopes                                              []string     // default manage_project:{projectKey}
	HTTPClient                                          *http.Client // API and token calls; nil = default
	Logger                                              *slog.Logger
	Retry                                               *rest.RetryPolicy
	Policy                                              *rest.Policy // timeout, concurrency limit, breaker; nil = none
}

// projectKeyPattern is commercetools' rule for project keys; it also keeps the key path-safe.
var projectKeyPattern = regexp.MustCompile(`^[a-z0-9_-]{2,36}$`)

// Client calls one commercetools project.
type Client struct {
	rest       *rest.Client
	projectKey string
	apiURL     string
}

// New validates cfg, naming the bad field, and returns a Client. It does not fetch a token: the
// first call does.
func New(cfg Config) (*Client, error) {
	var errs []error
	for _, f := range []struct{ name, value string }{
		{"APIURL", cfg.APIURL}, {"AuthURL", cfg.AuthURL}, {"ProjectKey", cfg.ProjectKey},
		{"ClientID", cfg.ClientID}, {"ClientSecret", cfg.ClientSecret},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("commercetools: config %s is required", f.name))
		}
	}
	if cfg.ProjectKey != "" && !projectKeyPattern.MatchString(cfg.ProjectKey) {
		errs = append(errs, fmt.Errorf("commercetools: config ProjectKey %q must be 2-36 lower-case letters, digits, - or _", cfg.ProjectKey))
	}
	for _, f := range []struct{ name, value string }{{"APIURL", cfg.APIURL}, {"AuthURL", cfg.AuthURL}} {
		if f.value == "" {
			continue
		}
		u, err := url.Parse(f.value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("commercetools: config %s must be an absolute http(s) URL without query or user info", f.name))
		}
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			errs = append(errs, fmt.Errorf("commercetools: config Scopes has an empty or blank-containing scope"))
			break
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{"manage_project:" + cfg.ProjectKey}
	}
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     strings.TrimSuffix(cfg.AuthURL, "/") + "/oauth/token",
		Scopes:       append([]string(nil), scopes...),
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
		if err != nil {
			return nil, tokenError(err)
		}
		return tok, nil
	}
	apiURL := strings.TrimSuffix(cfg.APIURL, "/")
	rc, err := rest.New(rest.Config{
		Upstream:    upstreamName,
		BaseURL:     apiURL,
		HTTPClient:  hc,
		Auth:        rest.NewTokenAuth(fetch),
		DecodeError: decodeError,
		Retry:       cfg.Retry,
		Logger:      cfg.Logger,
		Policy:      cfg.Policy,
	})
	if err != nil {
		return nil, err
	}
	return &Client{rest: rc, projectKey: cfg.ProjectKey, apiURL: apiURL}, nil
}

// tokenError keeps the token endpoint's status and OAuth error code and drops everything else
// (the oauth2 package's error text carries the response body). An unreachable or overloaded
// token endpoint is an outage, not a credentials problem: it is reported as such.
func tokenError(err error) error {
	ue := &upstream.Error{Upstream: upstreamName, Method: http.MethodPost, Path: "/oauth/token",
		Kind: upstream.KindUnauthorized, Code: "token_fetch_failed"}
	var re *oauth2.RetrieveError
	var urlErr *url.Error
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			ue.Status = re.Response.StatusCode
			if k := upstream.KindFromStatus(ue.Status); k == upstream.KindUnavailable || k == upstream.KindRateLimited {
				ue.Kind = k
			}
		}
		if re.ErrorCode != "" {
			ue.Code = re.ErrorCode
		}
		ue.Message = fmt.Sprintf("token endpoint answered %d", ue.Status)
	case errors.As(err, &urlErr):
		ue.Kind = upstream.KindUnavailable
		ue.Message = "token endpoint unreachable"
		ue.Err = urlErr.Err
	default:
		ue.Message = "token fetch failed"
	}
	return ue
}

// errorBody is commercetools' ErrorResponse (and AuthErrorResponse).
type errorBody struct {
	StatusCode int    `json:"statusCode"`
	Message    string `json:"message"`
	Errors     []struct {
		Code           string          `json:"code"`
		Message        string          `json:"message"`
		Field          string          `json:"field"`
		DuplicateValue json.RawMessage `json:"duplicateValue"`
		CurrentVersion int64           `json:"currentVersion"`
	} `json:"errors"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// decodeError reads errors[0] of a commercetools error body into e.
func decodeError(e *upstream.Error, body []byte) {
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return
	}
	e.Message = b.Message
	switch {
	case len(b.Errors) > 0:
		first := b.Errors[0]
		e.Code = first.Code
		if first.Message != "" {
			e.Message = first.Message
		}
		e.Field = first.Field
		e.CurrentVersion = first.CurrentVersion
	case b.Error != "":
		e.Code = b.Error
		if b.ErrorDescription != "" {
			e.Message = b.ErrorDescription
		}
	}
	switch e.Code {
	case "ConcurrentModification":
		e.Kind = upstream.KindConflict
	case "DuplicateField":
		e.Kind = upstream.KindDuplicate
	case "ResourceNotFound":
		e.Kind = upstream.KindNotFound
	case "MaxResourceLimitExceeded":
		e.Kind = upstream.KindValidation
	case "invalid_token":
		e.Kind = upstream.KindUnauthorized
	case "insufficient_scope":
		e.Kind = upstream.KindForbidden
	}
}

// invalid is an argument error found before sending.
func invalid(method, path, msg string) error {
	return &upstream.Error{Upstream: upstreamName, Method: method, Path: path,
		Kind: upstream.KindValidation, Code: "InvalidInput", Message: msg}
}

func (c *Client) groupsPath() string { return c.projectKey + "/customer-groups" }

func (c *Client) groupPath(id string) string {
	return c.groupsPath() + "/" + rest.PathEscape(id)
}

func (c *Client) groupKeyPath(key string) string {
	return c.groupsPath() + "/key=" + rest.PathEscape(key)
}

func (c *Client) getGroup(ctx context.Context, path, what, value string) (*CustomerGroup, error) {
	if value == "" {
		return nil, invalid(http.MethodGet, path, what+" is required")
	}
	var g CustomerGroup
	if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodGet, Path: path, Retryable: true}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// GetGroup returns the customer group with id.
func (c *Client) GetGroup(ctx context.Context, id string) (*CustomerGroup, error) {
	return c.getGroup(ctx, c.groupPath(id), "id", id)
}

// GetGroupByKey returns the customer group with key.
func (c *Client) GetGroupByKey(ctx context.Context, key string) (*CustomerGroup, error) {
	return c.getGroup(ctx, c.groupKeyPath(key), "key", key)
}

// sortPattern admits "field asc|desc" and nothing else, so a sort value cannot smuggle text.
var sortPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)* (asc|desc)$`)

// QueryGroups returns one page of customer groups.
func (c *Client) QueryGroups(ctx context.Context, opts QueryOptions) (*GroupPage, error) {
	path := c.groupsPath()
	q := url.Values{}
	where, vars, err := opts.Where.Encode()
	if err != nil {
		return nil, invalid(http.MethodGet, path, err.Error())
	}
	if where != "" {
		q.Set("where", where)
		for k, vs := range vars {
			q["var."+k] = vs
		}
	}
	for _, s := range opts.Sort {
		if !sortPattern.MatchString(s) {
			return nil, invalid(http.MethodGet, path, fmt.Sprintf("sort %q must be \"field asc\" or \"field desc\"", s))
		}
		q.Add("sort", s)
	}
	switch {
	case opts.Limit < 0 || opts.Limit > maxLimit:
		return nil, invalid(http.MethodGet, path, "limit must be between 0 and 500")
	case opts.Offset < 0 || opts.Offset > maxOffset:
		return nil, invalid(http.MethodGet, path, "offset must be between 0 and 10000")
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	// commercetools counts the total unless told not to; counting costs, so ask only when wanted.
	q.Set("withTotal", strconv.FormatBool(opts.WithTotal))
	var page GroupPage
	if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q, Retryable: true}, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// CreateGroup creates a customer group. It is sent once: without a version a repeat could create
// twice (a repeat with the same name fails as DuplicateField, but one without a name clash would
// not).
func (c *Client) CreateGroup(ctx context.Context, d GroupDraft) (*CustomerGroup, error) {
	path := c.groupsPath()
	if d.GroupName == "" {
		return nil, invalid(http.MethodPost, path, "groupName is required")
	}
	var g CustomerGroup
	if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: path, JSON: d}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

type updateBody struct {
	Version int64            `json:"version"`
	Actions []json.Marshaler `json:"actions"`
}

func (c *Client) updateGroup(ctx context.Context, path, what, value string, version int64, actions []UpdateAction) (*CustomerGroup, error) {
	if value == "" {
		return nil, invalid(http.MethodPost, path, what+" is required")
	}
	body := updateBody{Version: version, Actions: make([]json.Marshaler, 0, len(actions))}
	for _, a := range actions {
		if a == nil {
			return nil, invalid(http.MethodPost, path, "nil update action")
		}
		body.Actions = append(body.Actions, a)
	}
	var g CustomerGroup
	// A versioned write is safe to repeat: if the first try landed, the repeat fails with 409.
	if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodPost, Path: path, JSON: body, Retryable: true}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateGroup applies actions to the group with id at version, returning the group at version+1
// (or unchanged when actions is empty).
func (c *Client) UpdateGroup(ctx context.Context, id string, version int64, actions ...UpdateAction) (*CustomerGroup, error) {
	return c.updateGroup(ctx, c.groupPath(id), "id", id, version, actions)
}

// UpdateGroupByKey applies actions to the group with key at version.
func (c *Client) UpdateGroupByKey(ctx context.Context, key string, version int64, actions ...UpdateAction) (*CustomerGroup, error) {
	return c.updateGroup(ctx, c.groupKeyPath(key), "key", key, version, actions)
}

func (c *Client) deleteGroup(ctx context.Context, path, what, value string, version int64) (*CustomerGroup, error) {
	if value == "" {
		return nil, invalid(http.MethodDelete, path, what+" is required")
	}
	q := url.Values{"version": {strconv.FormatInt(version, 10)}}
	var g CustomerGroup
	if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodDelete, Path: path, Query: q, Retryable: true}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteGroup deletes the group with id at version and returns it as it was.
func (c *Client) DeleteGroup(ctx context.Context, id string, version int64) (*CustomerGroup, error) {
	return c.deleteGroup(ctx, c.groupPath(id), "id", id, version)
}

// DeleteGroupByKey deletes the group with key at version and returns it as it was.
func (c *Client) DeleteGroupByKey(ctx context.Context, key string, version int64) (*CustomerGroup, error) {
	return c.deleteGroup(ctx, c.groupKeyPath(key), "key", key, version)
}

// resourceIdentifier points a customer action at a group.
type resourceIdentifier struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id"`
}

type setCustomerGroupAction struct {
	Action        string              `json:"action"`
	CustomerGroup *resourceIdentifier `json:"customerGroup,omitempty"`
}

type assignmentDraft struct {
	CustomerGroup resourceIdentifier `json:"customerGroup"`
}

type setAssignmentsAction struct {
	Action                   string            `json:"action"`
	CustomerGroupAssignments []assignmentDraft `json:"customerGroupAssignments"`
}

// SetCustomerGroups makes groupIDs the customer's groups: the first becomes the primary
// customerGroup (none when groupIDs is empty) and all become the customerGroupAssignments, in one
// versioned update. The returned customer has its group references expanded.
func (c *Client) SetCustomerGroups(ctx context.Context, customerID string, version int64, groupIDs []string) (*Customer, error) {
	path := c.projectKey + "/customers/" + rest.PathEscape(customerID)
	if customerID == "" {
		return nil, invalid(http.MethodPost, path, "customer id is required")
	}
	for _, id := range groupIDs {
		if id == "" {
			return nil, invalid(http.MethodPost, path, "group ids must not be empty")
		}
	}
	ids := dedupe(groupIDs)
	primary := setCustomerGroupAction{Action: "setCustomerGroup"}
	assign := setAssignmentsAction{Action: "setCustomerGroupAssignments", CustomerGroupAssignments: []assignmentDraft{}}
	for i, id := range ids {
		ri := resourceIdentifier{TypeID: "customer-group", ID: id}
		if i == 0 {
			primary.CustomerGroup = &ri
		}
		assign.CustomerGroupAssignments = append(assign.CustomerGroupAssignments, assignmentDraft{CustomerGroup: ri})
	}
	body := struct {
		Version int64 `json:"version"`
		Actions []any `json:"actions"`
	}{version, []any{primary, assign}}
	var cu Customer
	req := rest.Request{Method: http.MethodPost, Path: path, Query: expandGroups(), JSON: body, Retryable: true}
	if _, err := c.rest.Do(ctx, req, &cu); err != nil {
		return nil, err
	}
	return &cu, nil
}

func expandGroups() url.Values {
	return url.Values{"expand": {"customerGroup", "customerGroupAssignments[*].customerGroup"}}
}

// dedupe drops empty strings and repeats, keeping first-seen order.
func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
