// Package gomod points the installer wrapper's modules at an OpenShift release and keeps its
// go.mod buildable: rule-driven replaces, replaces inherited from dependencies, a fix loop for
// placeholder-version chains, then go mod tidy and go mod vendor.
package gomod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/fsutil"
	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// Run points the wrapper at opts.Release: it resolves every rule's branch, edits the replaces,
// carries over the replaces of dependencies, then runs go mod tidy (and go mod vendor when the
// repository vendors), repairing placeholder chains as go reports them, and, with Generate,
// the generate step. A dry run does the same in a scratch copy. In every failure go.mod,
// go.sum and vendor/ are as they were; only a failed generate step keeps the vendored result.
// Errors carry hints (cli.Fail).
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.Validate(); err != nil {
		return nil, cli.Usage(err)
	}
	rules := opts.Rules
	if rules == nil {
		file := ""
		if opts.RulesFile != "" {
			file = opts.path(opts.RulesFile)
		}
		r, err := LoadRules(opts.Dir, file)
		if err != nil {
			return nil, cli.Fail(err, rulesHints(opts.Dir, file)...)
		}
		rules = &r
	}
	if opts.ReportFile != "" {
		if err := checkWritable(opts.path(opts.ReportFile)); err != nil {
			return nil, cli.Fail(err, "give a -report= file in a directory that exists and that you can write", untouched)
		}
	}
	if opts.Generate {
		cmd, err := generateCmd(&opts)
		if err != nil {
			return nil, err
		}
		opts.GenerateCmd = cmd
	}
	rep := &Report{Release: opts.Release.String(), DryRun: opts.DryRun, Strict: opts.Strict, Rules: rules.Source}
	if rep.Rules == "" {
		rep.Rules = "defaults"
	} else if rel, err := filepath.Rel(opts.Dir, rep.Rules); err == nil && !strings.HasPrefix(rel, "..") {
		rep.Rules = filepath.ToSlash(rel) + " over the defaults"
	}
	err := vendor(ctx, &opts, *rules, rep)
	if err != nil {
		rep.Failed = true
		return rep, cli.Fail(err, vendorHints(err, &opts, rules.Source)...)
	}
	var genErr error
	if opts.Generate && !opts.DryRun {
		// It runs on the written result: a failure keeps go.mod, go.sum and vendor/.
		rep.Generated, genErr = generate(ctx, &opts)
	}
	if opts.ReportFile != "" {
		path := opts.path(opts.ReportFile)
		if err := fsutil.WriteFile(path, []byte(rep.Markdown()), 0o666); err != nil {
			return rep, cli.Fail(fmt.Errorf("cannot write the report to %s: %w", path, err))
		}
		rep.ReportFile = opts.ReportFile
	}
	return rep, genErr
}

// checkWritable makes sure a file can be written at path, without leaving anything behind.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("cannot write the report to %s: it is a directory", path)
	}
	f, err := os.CreateTemp(dir, ".releasekit-report-*")
	if err != nil {
		return fmt.Errorf("cannot write the report to %s: %w", path, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// vendor runs the rounds in the repository (backed up and restored on failure) or, for a dry
// run, in a scratch copy.
func vendor(ctx context.Context, opts *Options, rules Rules, rep *Report) (err error) {
	orig, err := readGoMod(opts.Dir)
	if err != nil {
		return err
	}
	work, vendors := opts.Dir, false
	// Dry or not: another run's go.mod may be half edited.
	unlock, err := lock(ctx, opts.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	if opts.DryRun {
		scratch, done, err := scratchCopy(opts.Dir)
		if err != nil {
			return err
		}
		defer done()
		work = scratch
		// Compared with the copy, whose local replaces are absolute, as the result will be.
		if orig, err = readGoMod(scratch); err != nil {
			return err
		}
	} else {
		tx, berr := begin(ctx, opts.Dir)
		if berr != nil {
			return berr
		}
		if tx.recovered != "" {
			rep.Warnings = append(rep.Warnings, tx.recovered)
			opts.progress("%s", tx.recovered)
			if orig, err = readGoMod(opts.Dir); err != nil {
				tx.rollback()
				return err
			}
		}
		vendors = tx.vendors()
		// err is the named result: every failure below, a panic aside, is put back.
		defer func() {
			if err != nil {
				if rerr := tx.rollback(); rerr != nil {
					err = fmt.Errorf("%w; and go.mod, go.sum and vendor/ could not be put back: %w", err, rerr)
				}
				return
			}
			err = tx.commit()
		}()
	}
	return rounds(ctx, opts, rules, rep, work, orig, vendors)
}

// rounds plans, resolves, edits, tidies and vendors in dir, until go mod tidy adds nothing the
// rules cover; then it checks the result against the pin guard.
func rounds(ctx context.Context, opts *Options, rules Rules, rep *Report, dir string, orig *goModFile, vendors bool) error {
	g := gocmd.Runner{Env: opts.Env, Timeout: opts.GoTimeout}
	f := newFetcher(g, opts.Jobs, dir)
	planned := map[string]bool{}
	gm, err := readGoMod(dir)
	if err != nil {
		return err
	}
	k := &k8sState{tag: opts.K8s, aligned: map[string]bool{}}
	if k.tag != "" {
		k.from = "-k8s"
	}
	// go mod tidy can add requirements that the rules cover (a new github.com/openshift module
	// the installer brings in): those get their rule in another round, so that the next run
	// finds nothing to do.
	for round := 1; ; round++ {
		if round > 1 {
			if gm, err = readGoMod(dir); err != nil {
				return err
			}
		}
		changes, queries, managed := plan(gm.f, rules, opts.Release)
		if round > 1 {
			changes, queries = unplanned(changes, planned)
			if !slices.ContainsFunc(changes, func(c Change) bool { return c.Kind != KindSkip }) || round > 3 {
				rep.Changes = append(rep.Changes, changes...)
				break
			}
			opts.progress("go mod tidy added modules the rules cover: another round")
		}
		st := &planState{rules: rules, changes: changes, queries: queries, managed: managed, planned: planned, k8s: k}
		if _, err := prepare(ctx, g, f, opts, gm, rep, st); err != nil {
			if round == 1 {
				return err
			}
			return fmt.Errorf("after go mod tidy: %w", err)
		}
		written, err := gm.write()
		if err != nil {
			return err
		}
		if round > 1 && !written {
			break // the round changed nothing (modules left to go mod): tidy has run on this go.mod
		}
		if err := tidyAndVendor(ctx, g, f, opts, rep, dir, managed, vendors); err != nil {
			return err
		}
	}
	final, err := readGoMod(dir)
	if err != nil {
		return err
	}
	rep.GoModChanged = string(final.data) != string(orig.data)
	gr, err := walk(ctx, f, final.f)
	if err != nil {
		return err
	}
	rep.K8sTag, rep.K8sFrom = k.tag, k.from
	rep.Unaligned = k.unaligned
	unbranched(rep, final.f, gr)
	rep.Warnings = slices.DeleteFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, k8sPrefix) })
	rep.Warnings = append(rep.Warnings, k8sSkew(final.f, gr)...)
	guard := pinGuard(orig.f, final.f, rep.Changes)
	rep.Warnings = append(rep.Warnings, guard...)
	if opts.Strict && len(guard) > 0 {
		return &GuardError{Warnings: guard}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
