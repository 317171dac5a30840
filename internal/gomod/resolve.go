package gomod

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aro-releasekit/releasekit/internal/gocmd"
)

// ErrRevisionNotFound is a branch, tag or commit that the module does not have.
var ErrRevisionNotFound = errors.New("revision not found")

// ResolveError is a module query that failed, naming the module and the branch.
type ResolveError struct {
	Path, Query string
	// Attempts is how many times it was tried (transient failures are retried).
	Attempts int
	Err      error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("cannot resolve %s@%s: %v", e.Path, e.Query, e.Err)
}

func (e *ResolveError) Unwrap() error { return e.Err }

// Query asks for the version a module's branch (or tag or commit) names.
type Query struct {
	Path  string `json:"path"`
	Query string `json:"query"`
}

func (q Query) String() string { return q.Path + "@" + q.Query }

// Resolved is a query's answer: the (pseudo-)version, and go.mod's cached copy.
type Resolved struct {
	Query
	Version string `json:"version"`
	GoMod   string `json:"-"`
}

// resolver turns queries into versions concurrently, with a bounded pool and retries.
type resolver struct {
	g          gocmd.Runner
	jobs       int
	retries    int
	retryDelay time.Duration
	progress   func(string)
}

// resolveAll resolves every query; it goes on past failures so that one run names every bad
// branch, and returns them all joined, with what did resolve.
func (r resolver) resolveAll(ctx context.Context, qs []Query) (map[Query]Resolved, error) {
	dir, done, err := queryDir()
	if err != nil {
		return nil, err
	}
	defer done()
	var (
		mu   sync.Mutex
		res  = map[Query]Resolved{}
		errs []error
		n    int
	)
	eg := new(errgroup.Group)
	eg.SetLimit(r.jobs)
	for _, q := range qs {
		eg.Go(func() error {
			v, err := r.resolve(ctx, dir, q)
			mu.Lock()
			defer mu.Unlock()
			n++
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			res[q] = v
			if r.progress != nil {
				r.progress(fmt.Sprintf("resolved %s → %s (%d/%d)", q, v.Version, n, len(qs)))
			}
			return nil
		})
	}
	_ = eg.Wait()
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return res, errors.Join(errs...)
	}
	return res, nil
}

func (r resolver) resolve(ctx context.Context, dir string, q Query) (Resolved, error) {
	delay := r.retryDelay
	for attempt := 1; ; attempt++ {
		l, err := r.g.List(ctx, dir, q.String())
		msg := ""
		switch {
		case err != nil:
			msg = err.Error()
		case l[0].Error != nil:
			msg = l[0].Error.Err
		case l[0].Version == "":
			msg = "go list named no version"
		default:
			return Resolved{Query: q, Version: l[0].Version, GoMod: l[0].GoMod}, nil
		}
		if ctx.Err() != nil {
			return Resolved{}, &ResolveError{q.Path, q.Query, attempt, ctx.Err()}
		}
		if errors.Is(err, gocmd.ErrTimeout) {
			// A proxy that does not answer within the bound would not answer a retry either.
			return Resolved{}, &ResolveError{q.Path, q.Query, attempt, err}
		}
		// go words a proxy's 503 as "invalid version" too: the network check comes first.
		if !isTransient(msg) && notFound(msg) {
			return Resolved{}, &ResolveError{q.Path, q.Query, attempt, fmt.Errorf("%w: %s", ErrRevisionNotFound, strings.TrimSpace(msg))}
		}
		if !isTransient(msg) || attempt > r.retries {
			return Resolved{}, &ResolveError{q.Path, q.Query, attempt, errors.New(strings.TrimSpace(msg))}
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return Resolved{}, &ResolveError{q.Path, q.Query, attempt, ctx.Err()}
		}
		delay *= 2
	}
}
