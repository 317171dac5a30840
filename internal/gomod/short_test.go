package gomod

import "testing"

// SkipShort skips, under -short, a test that builds the wrapper fixture and runs the real go
// command on it (go mod tidy and vendor, offline): the slow cases of this package.
func SkipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skips the wrapper fixture cases (real go mod tidy and vendor)")
	}
}

// ModCache is the module cache that the wrapper fixtures of this package's tests share (made
// by TestMain): their commits are the same in every fixture, and a cold cache costs a clone of
// every module.
var ModCache string
