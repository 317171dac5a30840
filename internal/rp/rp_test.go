package rp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/netutil"
	"github.com/aro-releasekit/releasekit/internal/netutil/netutiltest"
	"github.com/aro-releasekit/releasekit/internal/payload"
)

func checkout(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := example.RP(dir, example.RPOptions{}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func servers(t *testing.T) *example.ReleaseServer {
	t.Helper()
	s, err := example.StartReleases(example.Releases())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func read(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBumpVersion(t *testing.T) {
	s := servers(t)
	dir := checkout(t)
	before := read(t, dir, ConstFile)
	var log bytes.Buffer
	o := BumpOptions{Dir: dir, Version: "4.16.3", DryRun: true, Endpoints: Endpoints{GraphURL: s.GraphURL, ReleaseRepo: s.Repo}, Log: &log}
	res, err := BumpVersion(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.PullSpec != s.PullSpec("4.16.3") || res.Before != "4.15.35" || !strings.Contains(res.Diff, "+\tVersion:  NewVersion(4, 16, 3),") {
		t.Fatalf("dry run: %+v", res)
	}
	if read(t, dir, ConstFile) != before {
		t.Fatal("a dry run wrote const.go")
	}
	if !strings.Contains(log.String(), "resolving 4.16.3 in channel stable-4.16") {
		t.Errorf("log: %s", log.String())
	}
	var out bytes.Buffer
	res.Print(&out)
	if !strings.HasSuffix(out.String(), "dry run: "+ConstFile+" not written\n") {
		t.Errorf("printed %q", out.String())
	}

	o.DryRun = false
	if res, err = BumpVersion(context.Background(), o); err != nil || res.Summary != ConstFile+": DefaultInstallStream 4.15.35 → 4.16.3" {
		t.Fatalf("write: %+v %v", res, err)
	}
	if !strings.Contains(read(t, dir, ConstFile), s.PullSpec("4.16.3")) {
		t.Fatal("const.go does not carry the pull spec")
	}
	res, err = BumpVersion(context.Background(), o)
	if err != nil || res.Diff != "" || !strings.Contains(res.Summary, "is already 4.16.3") {
		t.Fatalf("again: %+v %v", res, err)
	}

	// Older than the current default: a warning, not a refusal.
	log.Reset()
	o.Version = "4.15.34"
	if _, err := BumpVersion(context.Background(), o); err != nil || !strings.Contains(log.String(), "warning: 4.15.34 is older than the current default 4.16.3") {
		t.Fatalf("older: %v\n%s", err, log.String())
	}
}

// Usage errors are found before the file or the network: each names its cause and its fix.
func TestBumpVersionRefusals(t *testing.T) {
	dir := checkout(t)
	for _, c := range []struct {
		o         BumpOptions
		msg, hint string
	}{
		{BumpOptions{Version: "4.16"}, `invalid release "4.16"`, `rp:bumpVersion 4.16.3"`},
		{BumpOptions{Version: "4.16.3", Channel: ptr("stable 4.16")}, `invalid -channel="stable 4.16": want NAME-X.Y, for example stable-4.16`, "candidate-4.16"},
		{BumpOptions{Version: "4.16.3", Endpoints: Endpoints{GraphURL: "ftp://u:s3cret@graph"}}, `invalid RELEASEKIT_GRAPH_URL "ftp://REDACTED@graph"`, "set RELEASEKIT_GRAPH_URL to the update graph"},
		{BumpOptions{Version: "4.16.3", PullSpec: ptr("quay.io/ocp:4.16.3")}, "invalid pull spec", "copy the digest pull spec"},
	} {
		c.o.Dir = dir
		_, err := BumpVersion(context.Background(), c.o)
		var ce *cli.Error
		if !errors.As(err, &ce) || cli.Code(err) != cli.ExitFailed || !strings.Contains(err.Error(), c.msg) || !strings.Contains(strings.Join(ce.Hints, "\n"), c.hint) {
			t.Errorf("%+v: %v", c.o, err)
		}
		if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), EnvReleaseRepo) {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
	if _, err := BumpVersion(context.Background(), BumpOptions{Dir: t.TempDir(), Version: "4.16.3", PullSpec: ptr(example.RPDefaultPullSpec)}); err == nil || !strings.Contains(err.Error(), "hint: run the target inside an Azure/ARO-RP checkout") {
		t.Errorf("no checkout: %v", err)
	}
}

func TestNamespacesFromDir(t *testing.T) {
	dir := checkout(t)
	manifests := t.TempDir()
	for _, r := range example.Releases() {
		if r.Version != "4.16.3" {
			continue
		}
		for _, f := range example.ManifestFiles(r) {
			rel, ok := strings.CutPrefix(f.Name, payload.ManifestsDir+"/")
			if !ok || rel == "" {
				continue
			}
			if err := os.WriteFile(filepath.Join(manifests, rel), []byte(f.Body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var log bytes.Buffer
	res, err := Namespaces(context.Background(), NamespacesOptions{Dir: dir, Version: "4.16.3", From: &manifests, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(example.NewIn416), example.NewIn415...)
	slices.Sort(want)
	if !slices.Equal(res.Added, want) || !slices.Equal(res.Kept, []string{example.GoneIn416}) || res.DryRun {
		t.Fatalf("added %v kept %v", res.Added, res.Kept)
	}
	for _, ns := range want {
		if !strings.Contains(read(t, dir, NamespaceFile), `"`+ns+`"`) {
			t.Errorf("%s not written", ns)
		}
	}
	// Another release's manifests are refused, with the command for that release.
	_, err = Namespaces(context.Background(), NamespacesOptions{Dir: dir, Version: "4.16.2", From: &manifests})
	if err == nil || !strings.Contains(err.Error(), "are release 4.16.3, not 4.16.2") || !strings.Contains(err.Error(), "rp:namespaces 4.16.3") {
		t.Errorf("wrong release: %v", err)
	}
}

func TestUnresponsiveGraph(t *testing.T) {
	addr, stop, err := netutiltest.Hang()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	_, err = BumpVersion(context.Background(), BumpOptions{Dir: checkout(t), Version: "4.16.3",
		Endpoints: Endpoints{GraphURL: "http://" + addr, Timeout: 100 * time.Millisecond}})
	var te *netutil.TimeoutError
	var ce *cli.Error
	if !errors.As(err, &te) || !errors.As(err, &ce) || !strings.Contains(ce.Hints[0], netutil.EnvTimeout) || strings.Contains(err.Error(), EnvReleaseRepo) {
		t.Fatalf("err = %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
