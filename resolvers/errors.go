package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/upstream"
)

// Error codes in extensions.code. Clients switch on these; never rename one.
const (
	CodeNotFound            = "NOT_FOUND"
	CodeBadUserInput        = "BAD_USER_INPUT"
	CodeConflict            = "CONFLICT"
	CodeUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	CodeUpstreamRateLimited = "UPSTREAM_RATE_LIMITED"
	CodeUpstreamError       = "UPSTREAM_ERROR"
	CodeInternal            = "INTERNAL_SERVER_ERROR"
)

// inputError is a problem with the caller's arguments, found before any upstream was asked.
type inputError struct {
	field string
	msg   string
}

func (e *inputError) Error() string { return e.msg }

func badInput(field, msg string) error { return &inputError{field: field, msg: msg} }

func badInputf(field, format string, args ...any) error {
	return &inputError{field: field, msg: fmt.Sprintf(format, args...)}
}

// notFoundError is a lookup that must find something (a mutation's target) and did not.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// codeOf returns the extensions.code err maps to.
func codeOf(err error) string {
	var ie *inputError
	var nf *notFoundError
	switch {
	case errors.As(err, &ie):
		return CodeBadUserInput
	case errors.As(err, &nf):
		return CodeNotFound
	}
	ue := upstream.As(err)
	if ue == nil {
		return CodeInternal
	}
	switch ue.Kind {
	case upstream.KindNotFound:
		return CodeNotFound
	case upstream.KindValidation:
		return CodeBadUserInput
	case upstream.KindConflict, upstream.KindDuplicate:
		return CodeConflict
	case upstream.KindRateLimited:
		return CodeUpstreamRateLimited
	case upstream.KindUnavailable:
		return CodeUpstreamUnavailable
	default:
		return CodeUpstreamError
	}
}

// ErrorPresenter maps resolver errors to GraphQL errors with extensions.code and, for upstream
// failures, the upstream's name. Messages of upstream 5xx and unknown failures are replaced: an
// upstream's internals are not the caller's business. Errors gqlgen itself raised (parse,
// validation) already carry a code and pass through.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var ie *inputError
		var nf *notFoundError
		if errors.As(err, &ie) {
			setExt(gerr, "code", CodeBadUserInput)
			if ie.field != "" {
				setExt(gerr, "field", ie.field)
			}
			gerr.Message = ie.msg
			return gerr
		}
		if errors.As(err, &nf) {
			setExt(gerr, "code", CodeNotFound)
			gerr.Message = nf.msg
			return gerr
		}
		ue := upstream.As(err)
		if ue == nil {
			if gerr.Extensions["code"] == nil {
				if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
					setExt(gerr, "code", CodeUpstreamUnavailable)
					gerr.Message = "the request ran out of time"
					return gerr
				}
				var ge *gqlerror.Error
				if errors.As(err, &ge) {
					// gqlgen's own argument coercion (a Decimal that is not a number, ...).
					setExt(gerr, "code", CodeBadUserInput)
					return gerr
				}
				// Anything else is a bug of ours; keep details in the log, not the response.
				log.ErrorContext(ctx, "unexpected resolver error", "error", err.Error(), "path", gerr.Path.String())
				setExt(gerr, "code", CodeInternal)
				gerr.Message = "internal error"
			}
			return gerr
		}
		code := codeOf(err)
		msg := sanitizeUpstreamMessage(ue.Message) // the upstream's words, fit for a caller
		setExt(gerr, "code", code)
		setExt(gerr, "upstream", ue.Upstream)
		if ue.Status != 0 {
			setExt(gerr, "upstreamStatus", ue.Status)
		}
		if ue.Code != "" {
			setExt(gerr, "upstreamCode", ue.Code)
		}
		if ue.Field != "" {
			setExt(gerr, "field", ue.Field)
		}
		switch ue.Kind {
		case upstream.KindConflict:
			if ue.CurrentVersion != 0 {
				setExt(gerr, "currentVersion", ue.CurrentVersion)
			}
			gerr.Message = fmt.Sprintf("%s: conflict: %s", ue.Upstream, orDefault(msg, "the record changed or is in use"))
		case upstream.KindDuplicate:
			setExt(gerr, "reason", "DUPLICATE")
			gerr.Message = fmt.Sprintf("%s: duplicate: %s", ue.Upstream, orDefault(msg, "a unique value is already taken"))
		case upstream.KindNotFound:
			gerr.Message = fmt.Sprintf("%s: %s", ue.Upstream, orDefault(msg, "not found"))
		case upstream.KindValidation:
			gerr.Message = fmt.Sprintf("%s rejected the input: %s", ue.Upstream, orDefault(msg, "invalid input"))
		case upstream.KindRateLimited:
			if ue.RetryAfter > 0 {
				setExt(gerr, "retryAfterSeconds", int(ue.RetryAfter.Seconds()+0.5))
			}
			gerr.Message = ue.Upstream + " is rate limiting requests"
		case upstream.KindUnavailable:
			gerr.Message = ue.Upstream + " is unavailable"
			if ue.Code == "timeout" {
				gerr.Message = ue.Upstream + " did not answer in time"
			}
		default:
			log.WarnContext(ctx, "upstream error", "upstream", ue.Upstream, "status", ue.Status,
				"code", ue.Code, "path", gerr.Path.String())
			gerr.Message = ue.Upstream + " failed"
		}
		return gerr
	}
}

// RecoverFunc turns a resolver panic into an internal error with an id that is also logged, so
// an operator can find the stack and the caller never sees it.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		id := newIncidentID()
		log.ErrorContext(ctx, "resolver panic", "incident", id, "panic", fmt.Sprint(p), "stack", stack())
		return &gqlerror.Error{Message: "internal error (incident " + id + ")",
			Extensions: map[string]any{"code": CodeInternal, "incident": id}}
	}
}

func setExt(e *gqlerror.Error, k string, v any) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[k] = v
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
