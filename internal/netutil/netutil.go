// Package netutil is how the toolkit talks HTTP: one client constructor whose connections and
// answers are bounded in time, and one error that names the endpoint that did not answer and
// the setting that gives it longer.
package netutil

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// EnvTimeout is the setting that bounds each request: the connect, the TLS handshake and the
// wait for the answer's headers, each.
const EnvTimeout = "RELEASEKIT_HTTP_TIMEOUT"

// DefaultTimeout is EnvTimeout's default.
const DefaultTimeout = 30 * time.Second

// ParseTimeout reads a value of EnvTimeout: a Go duration such as 30s or 2m; "" is the default.
func ParseTimeout(s string) (time.Duration, error) {
	if s == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid %s=%q: want a positive duration such as 30s or 2m", EnvTimeout, s)
	}
	return d, nil
}

// Transport is an http.Transport (proxy from the environment, as http.DefaultTransport) whose
// connect, TLS handshake and wait for response headers are each bounded by timeout. A body
// that streams (a registry layer) is not cut off: only a server that never answers is.
func Transport(timeout time.Duration) *http.Transport {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// Client is an *http.Client over Transport(timeout).
func Client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: Transport(timeout)}
}

// TimeoutError says that an endpoint did not answer in time, and which setting changes that.
type TimeoutError struct {
	// What names the endpoint: "update graph https://api.openshift.com/...", "registry quay.io".
	What    string
	Timeout time.Duration
	// Setting is the variable or flag that gives the endpoint longer.
	Setting string
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s did not answer within %s (%s)", e.What, e.Timeout, e.Setting)
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// IsTimeout reports whether err is a request that ran out of time: a connect, a handshake or
// an answer that did not come, or a context deadline.
func IsTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Explain turns a timeout into a *TimeoutError naming what and EnvTimeout; any other error is
// returned as it is.
func Explain(err error, what string, timeout time.Duration) error {
	if !IsTimeout(err) {
		return err
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return err
	}
	return &TimeoutError{What: what, Timeout: timeout, Setting: EnvTimeout, Err: err}
}

// Hint is the hint line for a *TimeoutError.
func Hint(e *TimeoutError) string {
	return fmt.Sprintf("check that the endpoint is up and reachable from here; to wait longer for each answer, set %s (default %s)", e.Setting, DefaultTimeout)
}
