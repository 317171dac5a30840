package example

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// OpenShiftVersion is ARO-RP's admin OpenShiftVersion document (pkg/api/admin), as
// PUT /admin/versions takes it and GET /admin/versions lists it. The mutable tags are ARO-RP's:
// a field without mutable:"true" must not change (mutable:"case" may change case only).
type OpenShiftVersion struct {
	ID         string                     `json:"id,omitempty"`
	Name       string                     `json:"name,omitempty"`
	Type       string                     `json:"type,omitempty" mutable:"case"`
	Properties OpenShiftVersionProperties `json:"properties,omitempty"`
}

// OpenShiftVersionProperties are the version's fields.
type OpenShiftVersionProperties struct {
	Version           string `json:"version,omitempty"`
	OpenShiftPullspec string `json:"openShiftPullspec,omitempty" mutable:"true"`
	InstallerPullspec string `json:"installerPullspec,omitempty" mutable:"true"`
	Enabled           bool   `json:"enabled" mutable:"true"`
	Default           bool   `json:"default" mutable:"true"`
}

// RPAdmin is a development RP's admin API for OpenShift versions, over TLS with a certificate
// of its own CA, applying the rules of ARO-RP's PUT /admin/versions handler and its static
// validator: version, installerPullspec and openShiftPullspec must be provided; the document
// of a version is found by its version, so the version never changes, and only the fields
// marked mutable may; the default version cannot be disabled; a new document answers 201, an
// updated one 200. Setting default on one version takes it off the others.
type RPAdmin struct {
	URL string
	// CACert is the PEM of the CA that signed the server's (and the client's) certificate.
	CACert []byte
	// ClientCert and ClientKey are a client certificate the server accepts (PEM).
	ClientCert, ClientKey []byte

	srv  *http.Server
	mu   sync.Mutex
	docs []*OpenShiftVersion
	puts int
}

// RPAdminOptions shape the server.
type RPAdminOptions struct {
	// RequireClientCert refuses a TLS client without a certificate of the CA (as the RP's
	// admin API does outside development).
	RequireClientCert bool
	// Versions are the documents the RP starts with.
	Versions []OpenShiftVersion
}

// StartRPAdmin starts the server on a free loopback port.
func StartRPAdmin(o RPAdminOptions) (*RPAdmin, error) {
	ca, caKey, caPEM, err := newCA()
	if err != nil {
		return nil, err
	}
	serverPEM, serverKey, err := leaf(ca, caKey, "localhost", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return nil, err
	}
	clientPEM, clientKey, err := leaf(ca, caKey, "releasekit", x509.ExtKeyUsageClientAuth)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(serverPEM, serverKey)
	if err != nil {
		return nil, fmt.Errorf("example rp: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, MinVersion: tls.VersionTLS12}
	if o.RequireClientCert {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("example rp: %w", err)
	}
	a := &RPAdmin{URL: "https://" + ln.Addr().String(), CACert: caPEM, ClientCert: clientPEM, ClientKey: clientKey}
	for i := range o.Versions {
		d := o.Versions[i]
		d.ID = fmt.Sprintf("%08d-0000-0000-0000-000000000000", i+1)
		a.docs = append(a.docs, &d)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/versions", a.list)
	mux.HandleFunc("PUT /admin/versions", a.put)
	a.srv = &http.Server{Handler: mux, TLSConfig: cfg, ReadHeaderTimeout: 30 * time.Second, ErrorLog: nopLogger}
	go a.srv.ServeTLS(ln, "", "") // returns when Close closes the server
	return a, nil
}

// Close stops the server.
func (a *RPAdmin) Close() { a.srv.Close() }

// WriteFiles writes ca.crt, client.crt and client.key into dir.
func (a *RPAdmin) WriteFiles(dir string) error {
	for name, b := range map[string][]byte{"ca.crt": a.CACert, "client.crt": a.ClientCert, "client.key": a.ClientKey} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// Versions are the documents as the RP holds them now.
func (a *RPAdmin) Versions() []OpenShiftVersion {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]OpenShiftVersion, 0, len(a.docs))
	for _, d := range a.docs {
		out = append(out, *d)
	}
	return out
}

// Puts counts the PUTs the RP accepted.
func (a *RPAdmin) Puts() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.puts
}

func (a *RPAdmin) list(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := struct {
		OpenShiftVersions []*OpenShiftVersion `json:"value"`
	}{OpenShiftVersions: []*OpenShiftVersion{}}
	for _, d := range a.docs {
		l.OpenShiftVersions = append(l.OpenShiftVersions, external(d))
	}
	sort.Slice(l.OpenShiftVersions, func(i, j int) bool {
		return l.OpenShiftVersions[i].Properties.Version < l.OpenShiftVersions[j].Properties.Version
	})
	reply(w, http.StatusOK, l)
}

// external is ToExternal: the admin API shows the properties only.
func external(d *OpenShiftVersion) *OpenShiftVersion {
	return &OpenShiftVersion{Properties: d.Properties}
}

func (a *RPAdmin) put(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || len(body) == 0 || !json.Valid(body) {
		cloudError(w, http.StatusBadRequest, "InvalidRequestContent", "", "The request content was invalid and could not be deserialized.")
		return
	}
	var ext OpenShiftVersion
	if err := json.Unmarshal(body, &ext); err != nil {
		cloudError(w, http.StatusBadRequest, "InvalidRequestContent", "", "The request content could not be deserialized: "+err.Error())
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var doc *OpenShiftVersion
	for _, d := range a.docs {
		if d.Properties.Version == ext.Properties.Version {
			doc = d
			break
		}
	}
	// The default version stays enabled: the RP would otherwise offer none by default.
	if !ext.Properties.Enabled && (ext.Properties.Default || (doc != nil && doc.Properties.Default)) {
		cloudError(w, http.StatusBadRequest, "InvalidParameter", "properties.enabled", "You cannot disable the default installation version.")
		return
	}
	for _, rule := range []struct {
		empty  bool
		target string
	}{
		{ext.Properties.Version == "", "properties.version"},
		{ext.Properties.InstallerPullspec == "", "properties.installerPullspec"},
		{ext.Properties.OpenShiftPullspec == "", "properties.openShiftPullspec"},
	} {
		if rule.empty {
			cloudError(w, http.StatusBadRequest, "InvalidParameter", rule.target, "Must be provided")
			return
		}
	}
	status := http.StatusOK
	if doc == nil {
		status = http.StatusCreated
		doc = &OpenShiftVersion{ID: fmt.Sprintf("%08d-0000-0000-0000-000000000000", len(a.docs)+1)}
		a.docs = append(a.docs, doc)
	} else if target, msg := immutable(reflect.ValueOf(ext), reflect.ValueOf(*external(doc)), ""); target != "" {
		cloudError(w, http.StatusBadRequest, "PropertyChangeNotAllowed", target, msg)
		return
	}
	doc.Properties = ext.Properties
	if doc.Properties.Default {
		for _, d := range a.docs {
			if d != doc {
				d.Properties.Default = false
			}
		}
	}
	a.puts++
	reply(w, status, external(doc))
}

// immutable is ARO-RP's immutable.Validate over the JSON names: the first field that changed
// without a mutable tag that allows it.
func immutable(n, c reflect.Value, path string) (string, string) {
	t := n.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		p := name
		if path != "" {
			p = path + "." + name
		}
		nv, cv := n.Field(i), c.Field(i)
		switch mut := f.Tag.Get("mutable"); {
		case mut == "true":
		case f.Type.Kind() == reflect.Struct:
			if target, msg := immutable(nv, cv, p); target != "" {
				return target, msg
			}
		case mut == "case" && strings.EqualFold(nv.String(), cv.String()):
		case !reflect.DeepEqual(nv.Interface(), cv.Interface()):
			return p, fmt.Sprintf("Changing property '%s' is not allowed.", p)
		}
	}
	return "", ""
}

func reply(w http.ResponseWriter, status int, v any) {
	b, _ := json.MarshalIndent(v, "", "    ")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// cloudError answers as ARO-RP's api.WriteError does.
func cloudError(w http.ResponseWriter, status int, code, target, msg string) {
	reply(w, status, map[string]any{"error": map[string]string{"code": code, "target": target, "message": msg}})
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "example rp ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

var serial = big.NewInt(1)

func leaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(serial, 62))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.DNSNames = []string{"localhost"}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), nil
}
