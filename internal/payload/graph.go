package payload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// The update graph (Cincinnati) answers GET /api/upgrades_info/v1/graph?channel=…&arch=… with
// the channel's releases as nodes. It answers 406 to a request that does not accept JSON.
const graphPath = "/api/upgrades_info/v1/graph"

var (
	// ErrNotInChannel is returned when the channel does not carry the version.
	ErrNotInChannel = errors.New("not in channel")
	// ErrInvalidGraphURL is returned for a graph URL that is not http(s)://host.
	ErrInvalidGraphURL = errors.New("invalid update graph URL")
	// ErrGraphUnavailable is returned when the update graph cannot be reached or read: a
	// network failure, an answer other than 200 (an *HTTPError) or one that is not a graph.
	ErrGraphUnavailable = errors.New("update graph unavailable")
)

var channelRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]+-[0-9]+\.[0-9]+$`) })

// ValidChannel reports whether s looks like an update channel, such as stable-4.16 or eus-4.16.
func ValidChannel(s string) bool { return channelRE().MatchString(s) }

// Graph is the update graph of one channel and architecture.
type Graph struct {
	Nodes []Node   `json:"nodes"`
	Edges [][2]int `json:"edges"`
}

// Node is one release in the graph: its version and the pull spec of its payload image.
type Node struct {
	Version  string            `json:"version"`
	Payload  string            `json:"payload"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// GraphClient reads the update graph over HTTP.
type GraphClient struct {
	URL string // base URL, such as https://api.openshift.com
	// Timeout bounds the connect and the wait for the answer; 0 is netutil.DefaultTimeout.
	Timeout time.Duration
	HTTP    *http.Client // nil: netutil.Client(Timeout)
}

// HTTPError is a non-200 answer from the update graph.
type HTTPError struct {
	URL    string
	Status string
	Body   string
}

func (e *HTTPError) Unwrap() error { return ErrGraphUnavailable }

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("update graph %s answered %s", e.URL, e.Status)
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// NotInChannelError says which releases the channel does carry.
type NotInChannelError struct {
	Version, Channel string
	Count            int
	Newest           string
}

func (e *NotInChannelError) Error() string {
	if e.Count == 0 {
		return fmt.Sprintf("%s is %s %s: the channel has no releases", e.Version, ErrNotInChannel, e.Channel)
	}
	return fmt.Sprintf("%s is %s %s (%d releases, newest %s)", e.Version, ErrNotInChannel, e.Channel, e.Count, e.Newest)
}

func (e *NotInChannelError) Unwrap() error { return ErrNotInChannel }

// Graph fetches the graph of channel for arch.
func (c *GraphClient) Graph(ctx context.Context, channel, arch string) (*Graph, error) {
	base, err := url.Parse(c.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w %q: want http(s)://host", ErrInvalidGraphURL, redact.URL(c.URL))
	}
	u := base
	if !strings.HasSuffix(strings.TrimSuffix(base.Path, "/"), graphPath) {
		u = base.JoinPath(graphPath) // the usual case: the URL names the service, not the endpoint
	}
	u.RawQuery = url.Values{"channel": {channel}, "arch": {arch}}.Encode()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = netutil.DefaultTimeout
	}
	// A graph is a few hundred kilobytes: bound the whole exchange, body included, so that a
	// server that stalls after its headers does not hang the target either.
	ctx, cancel := context.WithTimeout(ctx, 3*timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = netutil.Client(timeout)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact.URL(u.String()) // the URL may carry credentials
		}
		if netutil.IsTimeout(err) {
			return nil, fmt.Errorf("read update graph: %w", netutil.Explain(err, "update graph "+redact.URL(u.String()), timeout))
		}
		return nil, fmt.Errorf("read update graph: %w: %w", ErrGraphUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &HTTPError{URL: redact.URL(u.String()), Status: resp.Status, Body: strings.TrimSpace(string(body))}
	}
	var g Graph
	// A real graph of one channel is a few hundred kilobytes; cap what a broken server can send.
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&g); err != nil {
		if netutil.IsTimeout(err) {
			return nil, fmt.Errorf("read update graph: %w", netutil.Explain(err, "update graph "+redact.URL(u.String()), timeout))
		}
		return nil, fmt.Errorf("decode update graph from %s: %w: %w", redact.URL(u.String()), ErrGraphUnavailable, err)
	}
	return &g, nil
}

// Find returns the node of version, or a *NotInChannelError naming the newest release there is.
func (g *Graph) Find(version, channel string) (Node, error) {
	for _, n := range g.Nodes {
		if n.Version == version {
			return n, nil
		}
	}
	e := &NotInChannelError{Version: version, Channel: channel, Count: len(g.Nodes)}
	var vs []release.Patch
	for _, n := range g.Nodes {
		if p, err := release.ParseVersion(n.Version); err == nil {
			vs = append(vs, p)
		}
	}
	if len(vs) > 0 {
		e.Newest = slices.MaxFunc(vs, ComparePatch).String()
	}
	return Node{}, e
}

// ComparePatch orders releases: negative when a is older than b, 0 when equal, positive when newer.
// A candidate comes before its release.
func ComparePatch(a, b release.Patch) int { return release.Compare(a, b) }
