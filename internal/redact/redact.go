// Package redact keeps secrets out of what the toolkit prints: the user:password of a URL
// (RELEASEKIT_UPSTREAM_URL, a GOPROXY, a graph URL) and the signature of an Azure SAS.
// Every target shows URLs and errors through it.
package redact

import (
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Redacted stands in for a secret.
const Redacted = "REDACTED"

var (
	// sigRE finds a SAS signature in free text (a URL inside an error, a copy status).
	sigRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(\bsig=)[^&\s"'<>]+`) })
	// userinfoRE finds scheme://user[:password]@ in free text.
	userinfoRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s"'<>]+@`) })
)

// URL returns a URL fit for a log: user information and SAS signatures are replaced, everything
// else (host, path, which permissions until when) stays readable.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return Text(raw)
	}
	if u.User != nil {
		u.User = url.User(Redacted)
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if strings.EqualFold(k, "sig") {
				q.Set(k, Redacted)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// Text scrubs every URL's user information and every SAS signature from free text (an error
// message, git's or go's stderr), and the given secrets wherever they appear.
func Text(s string, secrets ...string) string {
	s = userinfoRE().ReplaceAllString(s, "${1}"+Redacted+"@")
	s = sigRE().ReplaceAllString(s, "${1}"+Redacted)
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// Error is an error whose text has been scrubbed; errors.Is and errors.As still see the cause.
type Error struct {
	err error
	msg string
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.err }

// Err scrubs err's text (see Text); an error with nothing to hide is returned as it is.
func Err(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := Text(err.Error(), secrets...)
	if msg == err.Error() {
		return err
	}
	return &Error{err: err, msg: msg}
}
