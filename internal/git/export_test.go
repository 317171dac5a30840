package git

// ResolveBranch exposes the branch shortcut of Resolve to the external tests, which build their
// repositories with internal/example (which itself imports this package).
func ResolveBranch(r *Repo, rev string) (hashString string, ok bool) {
	h, ok := r.resolveBranch(rev)
	return h.String(), ok
}

// AlternateObjectDirs exposes alternateObjectDirs to the external tests.
var AlternateObjectDirs = alternateObjectDirs
