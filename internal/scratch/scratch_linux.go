package scratch

import "syscall"

// tmpfsMagic is TMPFS_MAGIC, the file system type statfs reports for a tmpfs.
const tmpfsMagic = 0x01021994

// tmpfsWithRoom reports whether dir is a tmpfs with MinFree free.
func tmpfsWithRoom(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == tmpfsMagic && st.Bavail*uint64(st.Bsize) >= MinFree
}
