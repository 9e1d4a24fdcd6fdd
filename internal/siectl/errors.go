package siectl

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ExitError carries a process exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// failed returns exit code 1 with a message.
func failed(format string, args ...any) error {
	return &ExitError{Code: 1, Err: fmt.Errorf(format, args...)}
}

// usage returns exit code 2 with a message.
func usage(format string, args ...any) error {
	return &ExitError{Code: 2, Err: fmt.Errorf(format, args...)}
}

// APIError is a non-2xx answer, read from either service's error envelope:
// sie-config's {"detail": "text"} or {"detail": {"error": code, "message":
// text, "details": [{"message": …}], …}}, or the gateway's {"message": text}.
type APIError struct {
	Status  int
	Code    string // "" when the answer has none
	Message string
	Body    []byte
}

// Error is the human line: status, code and the server's own message.
func (e *APIError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// serverError turns a non-2xx answer into an *APIError (exit code 1).
func serverError(r response) error {
	return &ExitError{Code: 1, Err: parseAPIError(r.status, r.body)}
}

// parseAPIError reads the envelope; an unknown body yields its first line
// of text (never a JSON dump). The message is kept on one line.
func parseAPIError(status int, body []byte) *APIError {
	e := readAPIError(status, body)
	e.Message = strings.Join(strings.Fields(e.Message), " ")
	return e
}

func readAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status, Body: body}
	var env struct {
		Detail  json.RawMessage `json:"detail"`
		Message *string         `json:"message"`
	}
	if json.Unmarshal(body, &env) != nil {
		text := strings.TrimSpace(string(body))
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[:i]
		}
		if len(text) > 200 {
			text = text[:200] + "…"
		}
		e.Message = text
		return e
	}
	if env.Message != nil {
		e.Message = *env.Message
	}
	var text string
	if json.Unmarshal(env.Detail, &text) == nil {
		e.Message = text
		return e
	}
	var d struct {
		Error   string `json:"error"`
		Message string `json:"message"`
		Details []struct {
			Message string `json:"message"`
		} `json:"details"`
		CurrentETag *string `json:"current_etag"`
	}
	if json.Unmarshal(env.Detail, &d) == nil {
		e.Code, e.Message = d.Error, d.Message
		var msgs []string
		for _, x := range d.Details {
			msgs = append(msgs, x.Message)
		}
		if e.Message == "" {
			e.Message = strings.Join(msgs, "; ")
		}
	}
	return e
}

// errorFields are the "error" and "message" keys of a failed item in -o
// json / -o yaml output (both null on success).
func errorFields(err error) (code, message *string) {
	if err == nil {
		return nil, nil
	}
	var ae *APIError
	if e, ok := err.(*ExitError); ok {
		err = e.Err
	}
	if a, ok := err.(*APIError); ok {
		ae = a
	}
	if ae == nil {
		m := err.Error()
		return nil, &m
	}
	var c *string
	if ae.Code != "" {
		c = &ae.Code
	}
	m := ae.Message
	return c, &m
}
