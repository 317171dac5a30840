package rp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/jsonstrict"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/redact"
	"github.com/aro-releasekit/releasekit/internal/release"
)

// The dev RP and the installer images, as ARO-RP's docs/deploy-development-rp.md and
// hack/setup_resources.sh use them.
const (
	DefaultRPURL = "https://localhost:8443"
	DefaultACR   = "arointsvc.azurecr.io"
	// VersionsPath is the admin API's collection of OpenShiftVersion documents.
	VersionsPath = "/admin/versions"
)

// OpenShiftVersion is the document the RP admin API takes (ARO-RP pkg/api/admin): the versions
// an RP offers are these documents, not const.go.
type OpenShiftVersion struct {
	Properties OpenShiftVersionProperties `json:"properties"`
}

// OpenShiftVersionProperties are the document's fields, by their JSON names.
type OpenShiftVersionProperties struct {
	Version           string `json:"version"`
	OpenShiftPullspec string `json:"openShiftPullspec"`
	InstallerPullspec string `json:"installerPullspec"`
	Enabled           bool   `json:"enabled"`
	Default           bool   `json:"default"`
}

// RegisterOptions say which version to register with which RP.
type RegisterOptions struct {
	// Version is the release, X.Y.Z or a candidate X.Y.Z-rc.N.
	Version string
	// PullSpec, when set, is the release's digest pull spec; else it is resolved as
	// rp:bumpVersion resolves it.
	PullSpec *string
	// Channel, when set, is the update graph channel to look in.
	Channel *string
	// Installer is the installer image; default <ACR>/aro-installer:release-X.Y.
	Installer string
	// ACR is the registry of the default installer image; default DefaultACR.
	ACR string
	// Enable and Default set the document's flags; nil keeps the RP's value (a new document is
	// enabled and not the default, as hack/setup_resources.sh registers one).
	Enable, Default *bool
	// RP is the RP's base URL; default DefaultRPURL.
	RP string
	// CACert is a PEM file of the CA that signed the RP's certificate.
	CACert string
	// Insecure skips the certificate check; allowed for loopback hosts only.
	Insecure bool
	// ClientCert and ClientKey are a client certificate's PEM files (both or neither).
	ClientCert, ClientKey string
	// DryRun builds and checks the document, prints it and the equivalent curl, and asks the
	// RP nothing.
	DryRun bool
	Endpoints
	// Log receives progress (stderr); nil discards it.
	Log io.Writer
}

// Change is one field the PUT changes.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// RegisterResult says what was, or would be, sent.
type RegisterResult struct {
	RP       string           `json:"rp"`
	Document OpenShiftVersion `json:"document"`
	// Created: the RP had no document of the version.
	Created bool `json:"created"`
	// Changes are the fields that differ from the RP's document; none means nothing was sent.
	Changes []Change `json:"changes,omitempty"`
	DryRun  bool     `json:"dryRun"`
	// Curl is the equivalent command line (dry run).
	Curl string `json:"curl,omitempty"`
}

// Print writes the result as the target shows it.
func (r RegisterResult) Print(w io.Writer) {
	v := r.Document.Properties.Version
	if r.DryRun {
		b, _ := jsonstrict.MarshalIndent(r.Document)
		fmt.Fprintf(w, "%s\n%s\n", b, r.Curl)
		fmt.Fprintf(w, "dry run: nothing sent to %s\n", r.RP)
		return
	}
	if !r.Created && len(r.Changes) == 0 {
		fmt.Fprintf(w, "%s already offers %s as given; nothing to change\n", r.RP, v)
		return
	}
	for _, c := range r.Changes {
		fmt.Fprintf(w, "  %s: %s -> %s\n", c.Field, orNone(c.Old), c.New)
	}
	if r.Created {
		fmt.Fprintf(w, "registered %s with %s\n", v, r.RP)
		return
	}
	fmt.Fprintf(w, "updated %s on %s (%d field(s))\n", v, r.RP, len(r.Changes))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// CloudError is the RP's error answer.
type CloudError struct {
	Status  int
	Code    string `json:"code"`
	Target  string `json:"target"`
	Message string `json:"message"`
}

func (e *CloudError) Error() string {
	s := fmt.Sprintf("the RP refused the version (%d %s", e.Status, e.Code)
	if e.Target != "" {
		s += " " + e.Target
	}
	return s + "): " + e.Message
}

// RegisterVersion makes the RP offer a version: it builds the OpenShiftVersion document, checks
// it as the RP's static validator does, compares it with the RP's and PUTs it when it differs.
func RegisterVersion(ctx context.Context, o RegisterOptions) (RegisterResult, error) {
	log := logger{o.Log}
	v, err := parseVersion(o.Version, "rp:registerVersion", "the release the RP should offer")
	if err != nil {
		return RegisterResult{}, err
	}
	base, err := o.rpURL()
	if err != nil {
		return RegisterResult{}, err
	}
	installer, err := o.installer(v)
	if err != nil {
		return RegisterResult{}, err
	}
	if o.PullSpec == nil {
		if _, err := channelOf(v, o.Channel); err != nil {
			return RegisterResult{}, err
		}
		if err := o.Endpoints.validate(); err != nil {
			return RegisterResult{}, err
		}
	}
	var client *http.Client
	if !o.DryRun {
		if client, err = o.client(base); err != nil {
			return RegisterResult{}, err
		}
	}
	ps, err := pullSpec(ctx, o.Endpoints, v, o.PullSpec, o.Channel, log)
	if err != nil {
		return RegisterResult{}, err
	}
	doc := OpenShiftVersion{Properties: OpenShiftVersionProperties{
		Version: v.String(), OpenShiftPullspec: ps.String(), InstallerPullspec: installer, Enabled: true,
	}}
	res := RegisterResult{RP: base.String(), Document: doc, DryRun: o.DryRun}
	if o.DryRun {
		o.setFlags(&res.Document, nil)
		if err := Validate(res.Document); err != nil {
			return RegisterResult{}, err
		}
		res.Curl = o.curl(base, res.Document)
		return res, nil
	}
	log.printf("reading the versions %s offers", redact.URL(base.String()))
	cur, err := getVersion(ctx, client, base, v.String())
	if err != nil {
		return RegisterResult{}, err
	}
	o.setFlags(&res.Document, cur)
	if err := Validate(res.Document); err != nil {
		return RegisterResult{}, err
	}
	res.Created = cur == nil
	res.Changes = diff(cur, res.Document)
	if !res.Created && len(res.Changes) == 0 {
		return res, nil
	}
	if _, err := putVersion(ctx, client, base, res.Document); err != nil {
		return RegisterResult{}, err
	}
	return res, nil
}

// setFlags applies -enable and -default over the RP's current document (or a new one's).
func (o RegisterOptions) setFlags(d *OpenShiftVersion, cur *OpenShiftVersion) {
	if cur != nil {
		d.Properties.Enabled, d.Properties.Default = cur.Properties.Enabled, cur.Properties.Default
	}
	if o.Enable != nil {
		d.Properties.Enabled = *o.Enable
	}
	if o.Default != nil {
		d.Properties.Default = *o.Default
	}
}

// Validate applies the RP's rules before anything is sent: what its static validator requires
// and what its handler refuses, plus the shapes this tool promises (a release version, a digest
// pull spec, an image reference).
func Validate(d OpenShiftVersion) error {
	p := d.Properties
	for _, f := range []struct{ v, name string }{
		{p.Version, "properties.version"},
		{p.InstallerPullspec, "properties.installerPullspec"},
		{p.OpenShiftPullspec, "properties.openShiftPullspec"},
	} {
		if f.v == "" {
			return cli.Usage(fmt.Errorf("%s must be provided", f.name))
		}
	}
	if _, err := release.ParseVersion(p.Version); err != nil {
		return cli.Usage(fmt.Errorf("properties.version: %w", err))
	}
	if _, err := payload.ParsePullSpec(p.OpenShiftPullspec); err != nil {
		return cli.Usage(fmt.Errorf("properties.openShiftPullspec: %w", err))
	}
	if err := payload.CheckImage(p.InstallerPullspec); err != nil {
		return cli.Usage(fmt.Errorf("properties.installerPullspec: %w", err), "give the installer image with -installer=REGISTRY/REPOSITORY:TAG")
	}
	if p.Default && !p.Enabled {
		return cli.Usage(errors.New("properties.enabled: you cannot disable the default installation version"),
			"make another version the default first, or drop -enable=false")
	}
	return nil
}

func diff(cur *OpenShiftVersion, d OpenShiftVersion) []Change {
	var old OpenShiftVersionProperties
	if cur != nil {
		old = cur.Properties
	}
	n := d.Properties
	var out []Change
	add := func(field, a, b string) {
		if a != b {
			out = append(out, Change{Field: field, Old: a, New: b})
		}
	}
	add("version", old.Version, n.Version)
	add("openShiftPullspec", old.OpenShiftPullspec, n.OpenShiftPullspec)
	add("installerPullspec", old.InstallerPullspec, n.InstallerPullspec)
	if cur == nil || old.Enabled != n.Enabled {
		out = append(out, Change{Field: "enabled", Old: boolOld(cur, old.Enabled), New: fmt.Sprint(n.Enabled)})
	}
	if cur == nil || old.Default != n.Default {
		out = append(out, Change{Field: "default", Old: boolOld(cur, old.Default), New: fmt.Sprint(n.Default)})
	}
	return out
}

func boolOld(cur *OpenShiftVersion, b bool) string {
	if cur == nil {
		return ""
	}
	return fmt.Sprint(b)
}

func (o RegisterOptions) installer(v release.Patch) (string, error) {
	if o.Installer != "" {
		if err := payload.CheckImage(o.Installer); err != nil {
			return "", cli.Usage(fmt.Errorf("-installer: %w", err))
		}
		return o.Installer, nil
	}
	acr := o.ACR
	if acr == "" {
		acr = DefaultACR
	}
	img := strings.TrimSuffix(acr, "/") + "/aro-installer:release-" + v.Minor.String()
	if err := payload.CheckImage(img); err != nil {
		return "", cli.Usage(fmt.Errorf("-acr=%q: %w", acr, err), "give the registry host, such as "+DefaultACR)
	}
	return img, nil
}

func (o RegisterOptions) rpURL() (*url.URL, error) {
	raw := o.RP
	if raw == "" {
		raw = DefaultRPURL
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, cli.Usage(fmt.Errorf("invalid -rp=%q: want https://host[:port], for example %s", redact.URL(raw), DefaultRPURL))
	}
	u.Path = ""
	if o.Insecure && !isLoopback(u.Hostname()) {
		return nil, cli.Usage(fmt.Errorf("-insecure is only for an RP on this machine, not %s", u.Host),
			"give the RP's CA certificate with -cacert=FILE")
	}
	if (o.ClientCert == "") != (o.ClientKey == "") {
		return nil, cli.Usage(errors.New("-cert and -key go together: a client certificate needs its key"))
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (o RegisterOptions) client(base *url.URL) (*http.Client, error) {
	t := netutil.Transport(o.Timeout)
	// HTTP/1.1: under HTTP/2 a refused client certificate reads as "client conn could not be
	// established", with the TLS alert that says why lost.
	t.ForceAttemptHTTP2 = false
	cfg := t.TLSClientConfig
	if o.CACert != "" {
		pem, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("-cacert: %w", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, cli.Usage(fmt.Errorf("-cacert=%s holds no PEM certificate", o.CACert))
		}
		cfg.RootCAs = pool
	}
	if o.Insecure {
		cfg.InsecureSkipVerify = true // loopback only: checked in rpURL
	}
	if o.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(o.ClientCert, o.ClientKey)
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("-cert/-key: %w", err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Transport: t}, nil
}

// curl is the command a person would type for the PUT.
func (o RegisterOptions) curl(base *url.URL, d OpenShiftVersion) string {
	b, _ := json.Marshal(d)
	args := []string{"curl", "-X", "PUT", base.String() + VersionsPath, "-H", "'Content-Type: application/json'"}
	switch {
	case o.CACert != "":
		args = append(args, "--cacert", shellQuote(o.CACert))
	case o.Insecure || isLoopback(base.Hostname()):
		args = append(args, "-k")
	}
	if o.ClientCert != "" {
		args = append(args, "--cert", shellQuote(o.ClientCert), "--key", shellQuote(o.ClientKey))
	}
	return strings.Join(append(args, "-d", shellQuote(string(b))), " ")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func getVersion(ctx context.Context, c *http.Client, base *url.URL, version string) (*OpenShiftVersion, error) {
	var l struct {
		Value []OpenShiftVersion `json:"value"`
	}
	if _, err := call(ctx, c, http.MethodGet, base, nil, &l); err != nil {
		return nil, err
	}
	for i := range l.Value {
		if l.Value[i].Properties.Version == version {
			return &l.Value[i], nil
		}
	}
	return nil, nil
}

func putVersion(ctx context.Context, c *http.Client, base *url.URL, d OpenShiftVersion) (int, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return 0, cli.Fail(err)
	}
	var got OpenShiftVersion
	return call(ctx, c, http.MethodPut, base, body, &got)
}

// call sends one request to the admin API and decodes its answer into out.
func call(ctx context.Context, c *http.Client, method string, base *url.URL, body []byte, out any) (int, error) {
	u := base.String() + VersionsPath
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, cli.Fail(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, rpErr(err, method+" "+redact.URL(u), c)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, rpErr(err, method+" "+redact.URL(u), c)
	}
	if resp.StatusCode >= 300 {
		var ce struct {
			Error CloudError `json:"error"`
		}
		if json.Unmarshal(b, &ce) == nil && ce.Error.Code != "" {
			ce.Error.Status = resp.StatusCode
			return 0, cli.Fail(&ce.Error, hintFor(&ce.Error))
		}
		return 0, cli.Fail(fmt.Errorf("%s %s: %s", method, redact.URL(u), resp.Status),
			"check that -rp names the RP's admin endpoint, such as "+DefaultRPURL)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return 0, cli.Fail(fmt.Errorf("%s %s: the answer is not an OpenShiftVersion document: %w", method, redact.URL(u), err))
	}
	return resp.StatusCode, nil
}

func hintFor(e *CloudError) string {
	switch e.Code {
	case "PropertyChangeNotAllowed":
		return "a version's document keeps its version: register the new version instead"
	case "InvalidParameter":
		return "fix " + e.Target + " and run the target again; -dryrun shows the document"
	}
	return "-dryrun shows the document and the curl that sends it"
}

func rpErr(err error, what string, c *http.Client) error {
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var cv *tls.CertificateVerificationError
	switch {
	case netutil.IsTimeout(err):
		to := c.Transport.(*http.Transport).ResponseHeaderTimeout
		var te *netutil.TimeoutError
		errors.As(netutil.Explain(err, "RP "+what, to), &te)
		return cli.Fail(te, netutil.Hint(te))
	case errors.As(err, &ue), errors.As(err, &he), errors.As(err, &cv):
		return cli.Fail(fmt.Errorf("%s: the RP's certificate is not trusted: %w", what, err),
			"give the CA of the RP's certificate with -cacert=FILE (the dev RP's is secrets/localhost.crt)",
			"or, for an RP on this machine only, -insecure")
	case errors.Is(err, syscall.ECONNREFUSED):
		return cli.Fail(fmt.Errorf("%s: nothing listens there: %w", what, err),
			"start the dev RP (docs/deploy-development-rp.md), or give its address with -rp=https://HOST:PORT")
	}
	if strings.Contains(err.Error(), "certificate required") || strings.Contains(err.Error(), "bad certificate") {
		return cli.Fail(fmt.Errorf("%s: the RP wants a client certificate: %w", what, err), "give it with -cert=FILE -key=FILE")
	}
	return cli.Fail(fmt.Errorf("%s: %w", what, err))
}

// ListVersions is the RP's OpenShiftVersion documents (GET /admin/versions), with o's RP,
// certificates and timeout.
func ListVersions(ctx context.Context, o RegisterOptions) ([]OpenShiftVersion, error) {
	base, err := o.rpURL()
	if err != nil {
		return nil, err
	}
	c, err := o.client(base)
	if err != nil {
		return nil, err
	}
	var l struct {
		Value []OpenShiftVersion `json:"value"`
	}
	if _, err := call(ctx, c, http.MethodGet, base, nil, &l); err != nil {
		return nil, err
	}
	return l.Value, nil
}
