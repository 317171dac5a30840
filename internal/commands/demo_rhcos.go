package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/example"
	"github.com/aro-releasekit/releasekit/internal/git"
	"github.com/aro-releasekit/releasekit/internal/rhcos"
)

// rhcosPublicBase is where the real streams' VHDs are; Azurite stands in for it.
const rhcosPublicBase = "https://rhcos.blob.core.windows.net/"

// demoRhcos runs rhcos:publish 4.15 in the demo's installer fork (work, whose
// origin/release-4.15-azure carries rhcos.json), as a user does, so that release:status finds
// its record there. With Azurite installed it publishes into it: a public container in Azurite
// stands in for rhcos.blob.core.windows.net, so the stream given (-stream=FILE, under scratch)
// is the fork's own with its VHD URLs pointed there. Without Azurite it shows the dry run on the
// fork's branch, which publishes nothing, so the RHCOS step stays pending; it says so and
// returns why.
func demoRhcos(ctx context.Context, work, scratch string) (pending string, err error) {
	fmt.Fprintln(out, "\n== rhcos: copy the fork's 4.15 RHCOS VHDs into the images account, sign SAS URLs for Partner Center")
	bin, ferr := example.FindAzurite(demoStart)
	if ferr != nil {
		demoStep("releasekit rhcos:publish 4.15 -dryrun")
		if err := call(ctx, "rhcos:publish", "4.15", "-dryrun"); err != nil {
			return "", err
		}
		pending = fmt.Sprintf("%v; the demo runs rhcos:publish into Azurite when it finds it on PATH or under testdata/azurite of the module it runs in", ferr)
		fmt.Fprintf(out, "(RHCOS is not published, only planned: %s)\n", pending)
		return pending, nil
	}

	repo, err := git.Open(ctx, work)
	if err != nil {
		return "", fail(err)
	}
	defer repo.Close()
	rev := "origin/release-4.15-azure"
	data, err := repo.ReadFile(ctx, rev, rhcos.StreamPath)
	if err != nil {
		return "", fail(err)
	}
	st, err := rhcos.ParseStream(data, rhcos.StreamPath+" at "+rev)
	if err != nil {
		return "", fail(err)
	}

	srv, err := example.StartAzurite(ctx, bin)
	if err != nil {
		return "", fail(err)
	}
	defer srv.Stop()
	fmt.Fprintf(out, "Azurite listens on %s; a public container stands in for rhcos.blob.core.windows.net\n", srv.Endpoint)
	sizes := map[string]int{"x86_64": 8 << 20, "aarch64": 4 << 20}
	var archs []string
	for a := range st.Architectures {
		archs = append(archs, a)
	}
	sort.Strings(archs)
	for _, a := range archs {
		ext := st.Architectures[a].RHELCoreOSExtensions
		if ext == nil || ext.AzureDisk == nil || !strings.HasPrefix(ext.AzureDisk.URL, rhcosPublicBase) {
			continue
		}
		cont, name, _ := strings.Cut(strings.TrimPrefix(ext.AzureDisk.URL, rhcosPublicBase), "/")
		size := sizes[a]
		if size == 0 {
			size = 1 << 20
		}
		if _, _, err := srv.SeedVHD(ctx, cont, name, size); err != nil {
			return "", fail(err)
		}
	}
	file := filepath.Join(scratch, "rhcos.json")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return "", fail(err)
	}
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(data), rhcosPublicBase, srv.Endpoint+"/")), 0o644); err != nil {
		return "", fail(err)
	}
	fmt.Fprintf(out, "# %s is the fork's %s at %s, its VHD URLs pointed at Azurite\n", file, rhcos.StreamPath, rev)

	// The demo's own settings: what a user puts in RELEASEKIT_BLOB_ENDPOINT, _STORAGE_ACCOUNT
	// and _STORAGE_KEY.
	restore := setenv(map[string]string{
		"RELEASEKIT_BLOB_ENDPOINT": srv.Endpoint, "RELEASEKIT_STORAGE_ACCOUNT": srv.Account, "RELEASEKIT_STORAGE_KEY": srv.Key,
	})
	defer restore()
	for _, step := range []struct{ cmd, args string }{
		{"releasekit rhcos:publish 4.15 -stream=rhcos.json -dryrun", "-dryrun"},
		{"releasekit rhcos:publish 4.15 -stream=rhcos.json", ""},
		{"releasekit rhcos:publish 4.15 -stream=rhcos.json -arch=aarch64   # again: nothing is copied twice", "-arch=aarch64"},
	} {
		demoStep(step.cmd)
		args := []string{"rhcos:publish", "4.15", "-stream=" + file}
		if step.args != "" {
			args = append(args, step.args)
		}
		if err := call(ctx, args...); err != nil {
			return "", err
		}
	}
	return "", nil
}
