package rp

import (
	"context"
	"fmt"
	"io"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/payload"
	"github.com/aro-releasekit/releasekit/internal/release"
	"github.com/aro-releasekit/releasekit/internal/rpsource"
)

// BumpOptions say which release becomes the default install stream of the checkout in Dir.
type BumpOptions struct {
	Dir string
	// Version is the release, X.Y.Z.
	Version string
	// PullSpec, when set, is the digest pull spec to use; else it is resolved.
	PullSpec *string
	// Channel, when set, is the update graph channel to look in; else stable-X.Y.
	Channel *string
	DryRun  bool
	Endpoints
	// Log receives progress and warnings (stderr); nil discards them.
	Log io.Writer
}

// BumpResult is a Result with what was set.
type BumpResult struct {
	Result
	Version  release.Patch
	PullSpec string
	// Before is the version the stream had ("" when it was not a literal).
	Before string
}

// BumpVersion sets DefaultInstallStream in const.go to o.Version and its digest pull spec.
// The file is checked before the network is asked anything.
func BumpVersion(ctx context.Context, o BumpOptions) (BumpResult, error) {
	log := logger{o.Log}
	v, err := parseVersion(o.Version, "rp:bumpVersion", "the release to install by default")
	if err != nil {
		return BumpResult{}, err
	}
	if v.IsCandidate() {
		// ARO-RP's NewVersion(X, Y, Z) takes three numbers: a candidate's -rc.N has no place
		// in the default stream, and a default install stream is a release anyway.
		return BumpResult{}, cli.Usage(fmt.Errorf("%s is a candidate: %s's %s holds a release X.Y.Z (NewVersion takes no pre-release)", v, ConstFile, rpsource.StreamVar),
			fmt.Sprintf("a dev RP offers a candidate through its admin API: %s", cli.Cmd("rp:registerVersion", v.String())))
	}
	if o.PullSpec == nil {
		if _, err := channelOf(v, o.Channel); err != nil {
			return BumpResult{}, err
		}
		if err := o.Endpoints.validate(); err != nil {
			return BumpResult{}, err
		}
	}
	path, src, err := readSource(o.Dir, ConstFile)
	if err != nil {
		return BumpResult{}, err
	}
	cur, err := rpsource.ReadDefaultInstallStream(ConstFile, src)
	if err != nil {
		return BumpResult{}, sourceErr(err, ConstFile)
	}
	if c, err := release.ParseVersion(cur.Version); err == nil && payload.ComparePatch(v, c) < 0 {
		log.printf("warning: %s is older than the current default %s", v, c)
	}
	ps, err := pullSpec(ctx, o.Endpoints, v, o.PullSpec, o.Channel, log)
	if err != nil {
		return BumpResult{}, err
	}
	e, err := rpsource.SetDefaultInstallStream(ConstFile, src, v, ps.String())
	if err != nil {
		return BumpResult{}, sourceErr(err, ConstFile)
	}
	res := BumpResult{Version: v, PullSpec: ps.String(), Before: e.Before.Version}
	if !e.Changed() {
		res.File = ConstFile
		res.Summary = fmt.Sprintf("%s: %s is already %s (%s); nothing to change", ConstFile, rpsource.StreamVar, v, ps)
		return res, nil
	}
	err = apply(path, ConstFile, e.Edit, o.DryRun, log, &res.Result,
		fmt.Sprintf("%s: %s %s → %s", ConstFile, rpsource.StreamVar, orUnknown(e.Before.Version), v))
	return res, err
}
