//go:build !linux

package scratch

// tmpfsWithRoom is false where /dev/shm is not Linux's tmpfs: the default temporary directory.
func tmpfsWithRoom(string) bool { return false }
