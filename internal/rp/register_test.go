package rp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aro-releasekit/releasekit/internal/example"
)

const digest = "sha256:" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12"

func rpAdmin(t *testing.T, o example.RPAdminOptions) (*example.RPAdmin, string) {
	t.Helper()
	a, err := example.StartRPAdmin(o)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	dir := t.TempDir()
	require.NoError(t, a.WriteFiles(dir))
	return a, dir
}

func defaultDoc() example.OpenShiftVersion {
	return example.OpenShiftVersion{Properties: example.OpenShiftVersionProperties{
		Version: "4.15.35", OpenShiftPullspec: "quay.io/openshift-release-dev/ocp-release@" + digest,
		InstallerPullspec: "arointsvc.azurecr.io/aro-installer:release-4.15", Enabled: true, Default: true,
	}}
}

func version(a *example.RPAdmin, v string) *example.OpenShiftVersion {
	for _, d := range a.Versions() {
		if d.Properties.Version == v {
			return &d
		}
	}
	return nil
}

// Register, then again (nothing sent), then a change of a mutable field; the graph and
// registry resolve the pull spec as rp:bumpVersion does.
func TestRegisterVersion(t *testing.T) {
	s := servers(t)
	a, certs := rpAdmin(t, example.RPAdminOptions{Versions: []example.OpenShiftVersion{defaultDoc()}})
	o := RegisterOptions{Version: "4.16.3", RP: a.URL, CACert: filepath.Join(certs, "ca.crt"), ACR: "myacr.azurecr.io",
		Endpoints: Endpoints{GraphURL: s.GraphURL, ReleaseRepo: s.Repo}}
	res, err := RegisterVersion(context.Background(), o)
	require.NoError(t, err)
	assert.True(t, res.Created)
	got := version(a, "4.16.3")
	require.NotNil(t, got)
	assert.Equal(t, s.PullSpec("4.16.3"), got.Properties.OpenShiftPullspec)
	assert.Equal(t, "myacr.azurecr.io/aro-installer:release-4.16", got.Properties.InstallerPullspec)
	assert.True(t, got.Properties.Enabled)
	assert.False(t, got.Properties.Default)
	assert.Equal(t, 1, a.Puts())

	res, err = RegisterVersion(context.Background(), o)
	require.NoError(t, err)
	assert.False(t, res.Created)
	assert.Empty(t, res.Changes)
	assert.Equal(t, 1, a.Puts(), "nothing differs: nothing is sent")

	o.Installer, o.Default = "myacr.azurecr.io/aro-installer:4.16-fix", ptr(true)
	res, err = RegisterVersion(context.Background(), o)
	require.NoError(t, err)
	var fields []string
	for _, c := range res.Changes {
		fields = append(fields, c.Field)
	}
	assert.Equal(t, []string{"installerPullspec", "default"}, fields)
	assert.True(t, version(a, "4.16.3").Properties.Default)
	assert.False(t, version(a, "4.15.35").Properties.Default, "one default at a time")
}

// The RP's rules, applied by the example server as ARO-RP's handler applies them, and checked
// here before anything is sent: the default cannot be disabled.
func TestRegisterVersionRefusals(t *testing.T) {
	a, certs := rpAdmin(t, example.RPAdminOptions{Versions: []example.OpenShiftVersion{defaultDoc()}})
	ca := filepath.Join(certs, "ca.crt")
	ps := "quay.io/openshift-release-dev/ocp-release@" + digest
	base := RegisterOptions{Version: "4.15.35", PullSpec: &ps, RP: a.URL, CACert: ca}

	o := base
	o.Enable = ptr(false)
	_, err := RegisterVersion(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "you cannot disable the default installation version")
	assert.Equal(t, 0, a.Puts())

	for name, o := range map[string]RegisterOptions{
		"bad pull spec":  {Version: "4.16.3", PullSpec: ptr("quay.io/x:4.16.3"), RP: a.URL, CACert: ca},
		"bad installer":  {Version: "4.16.3", PullSpec: &ps, Installer: "aro-installer", RP: a.URL, CACert: ca},
		"insecure, far":  {Version: "4.16.3", PullSpec: &ps, RP: "https://rp.example.com", Insecure: true},
		"http":           {Version: "4.16.3", PullSpec: &ps, RP: "http://localhost:8443"},
		"cert no key":    {Version: "4.16.3", PullSpec: &ps, RP: a.URL, ClientCert: "c.pem"},
		"bad version":    {Version: "4.16", PullSpec: &ps, RP: a.URL},
		"beta candidate": {Version: "4.16.0-beta.1", PullSpec: &ps, RP: a.URL},
	} {
		_, err := RegisterVersion(context.Background(), o)
		assert.Error(t, err, name)
	}
	assert.Equal(t, 0, a.Puts())

	// Untrusted certificate: a hint names -cacert.
	o = base
	o.CACert = ""
	_, err = RegisterVersion(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not trusted")
	// -insecure is allowed on loopback.
	o.Insecure, o.Version = true, "4.16.0"
	_, err = RegisterVersion(context.Background(), o)
	require.NoError(t, err)
	assert.NotNil(t, version(a, "4.16.0"))
}

// The server refuses what the client would not send; these check the server's rules directly,
// through a client that skips the local checks (the RP answers a CloudError).
func TestExampleRPAppliesHandlerRules(t *testing.T) {
	a, certs := rpAdmin(t, example.RPAdminOptions{Versions: []example.OpenShiftVersion{defaultDoc()}})
	o := RegisterOptions{RP: a.URL, CACert: filepath.Join(certs, "ca.crt")}
	base, err := o.rpURL()
	require.NoError(t, err)
	c, err := o.client(base)
	require.NoError(t, err)
	d := OpenShiftVersion{Properties: OpenShiftVersionProperties{Version: "4.16.1", OpenShiftPullspec: "quay.io/x@" + digest}}
	_, err = putVersion(context.Background(), c, base, d)
	var ce *CloudError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, "properties.installerPullspec", ce.Target)
	assert.Equal(t, "Must be provided", ce.Message)

	d.Properties.InstallerPullspec, d.Properties.Enabled, d.Properties.Default = "a.io/i:1", false, true
	_, err = putVersion(context.Background(), c, base, d)
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "properties.enabled", ce.Target)
}

// A client certificate, when the RP asks for one.
func TestRegisterVersionClientCert(t *testing.T) {
	a, certs := rpAdmin(t, example.RPAdminOptions{RequireClientCert: true})
	ps := "quay.io/openshift-release-dev/ocp-release@" + digest
	o := RegisterOptions{Version: "4.17.0-rc.3", PullSpec: &ps, RP: a.URL, CACert: filepath.Join(certs, "ca.crt")}
	_, err := RegisterVersion(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "client certificate")
	o.ClientCert, o.ClientKey = filepath.Join(certs, "client.crt"), filepath.Join(certs, "client.key")
	res, err := RegisterVersion(context.Background(), o)
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.Equal(t, "arointsvc.azurecr.io/aro-installer:release-4.17", version(a, "4.17.0-rc.3").Properties.InstallerPullspec)
}

// -dryrun with a given pull spec asks no server at all.
func TestRegisterVersionDryRunOffline(t *testing.T) {
	ps := "quay.io/openshift-release-dev/ocp-release@" + digest
	cacert := filepath.Join(t.TempDir(), "it's.crt")
	require.NoError(t, os.WriteFile(cacert, nil, 0o600))
	res, err := RegisterVersion(context.Background(), RegisterOptions{Version: "4.16.3", PullSpec: &ps, DryRun: true,
		RP: "https://127.0.0.1:1", CACert: cacert, Endpoints: Endpoints{GraphURL: "http://127.0.0.1:1"}})
	require.NoError(t, err)
	assert.True(t, res.DryRun)
	assert.Contains(t, res.Curl, "curl -X PUT https://127.0.0.1:1/admin/versions")
	assert.Contains(t, res.Curl, `--cacert '`+strings.ReplaceAll(cacert, "'", `'\''`)+`'`)
	assert.Contains(t, res.Curl, `"openShiftPullspec":"`+ps+`"`)
	assert.Contains(t, res.Curl, `"enabled":true`)
}
