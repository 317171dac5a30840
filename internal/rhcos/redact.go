package rhcos

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted stands in for a secret in anything meant for a log or an error.
const Redacted = "REDACTED"

// sigRE finds a SAS signature in free text (a URL inside an error, a copy status description).
var sigRE = regexp.MustCompile(`(?i)(\bsig=)[^&\s"'<>]+`)

// Redact returns a URL fit for a log: a SAS signature in its query is replaced, everything else
// (which blob, which permissions, until when) stays readable.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return sigRE.ReplaceAllString(raw, "${1}"+Redacted)
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "sig") {
			q.Set(k, Redacted)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// stripQuery is a URL without its query: what identifies a blob whatever SAS reads it.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// redactedError keeps the cause for errors.Is/As but never shows a secret in its text.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactErr scrubs SAS signatures and the given secrets from an error's text. The SDK's
// errors do not carry query strings or keys today; this keeps it so if that ever changes.
func redactErr(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := sigRE.ReplaceAllString(err.Error(), "${1}"+Redacted)
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, Redacted)
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{err: err, msg: msg}
}
