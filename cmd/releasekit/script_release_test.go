package main

import (
	"os"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aro-releasekit/releasekit/internal/example"
)

func init() {
	scriptCmds["rpadmin"] = cmdRPAdmin
}

// rpadmin [-clientcert] starts an RP admin API over TLS that holds 4.15.35 as its enabled
// default version, sets $RP_URL to it and writes ca.crt, client.crt and client.key into
// $WORK/rpcerts. -clientcert makes it refuse a client without a certificate.
func cmdRPAdmin(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! rpadmin")
	}
	var o example.RPAdminOptions
	for _, a := range args {
		switch a {
		case "-clientcert":
			o.RequireClientCert = true
		default:
			ts.Fatalf("usage: rpadmin [-clientcert]")
		}
	}
	o.Versions = []example.OpenShiftVersion{{Properties: example.OpenShiftVersionProperties{
		Version: "4.15.35", OpenShiftPullspec: "quay.io/openshift-release-dev/ocp-release@sha256:" + zeros64,
		InstallerPullspec: "arointsvc.azurecr.io/aro-installer:release-4.15", Enabled: true, Default: true,
	}}}
	a, err := example.StartRPAdmin(o)
	ts.Check(err)
	ts.Defer(a.Close)
	dir := ts.MkAbs("rpcerts")
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(a.WriteFiles(dir))
	ts.Setenv("RP_URL", a.URL)
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
