package gomod

import (
	"fmt"
	"os"
	"strings"
)

// queryDir is an empty directory to ask go about module versions from: outside any module, so
// that neither the wrapper's replaces nor a go.work change the answer.
func queryDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "releasekit-gomod-")
	if err != nil {
		return "", nil, fmt.Errorf("cannot make a scratch directory: %w", err)
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// transient are the messages of failures worth another try: the network, not the request.
var transient = []string{
	"connection reset", "connection refused", "i/o timeout", "TLS handshake timeout",
	"temporary failure", "unexpected EOF", "no such host",
	"429 Too Many Requests", "500 Internal Server Error", "502 Bad Gateway",
	"503 Service Unavailable", "504 Gateway Timeout", "server misbehaving",
}

func isTransient(msg string) bool {
	for _, t := range transient {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// notFound says go found no such revision: a branch or tag that does not exist.
func notFound(msg string) bool {
	for _, s := range []string{"unknown revision", "invalid version", "not found", "no matching versions", "410 Gone", "404 Not Found"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	// A file:// GOPROXY tree answers a missing version with a missing file.
	return strings.Contains(msg, "reading file://") && strings.Contains(msg, "no such file or directory")
}
