package example

import (
	"io/fs"
	"syscall"
)

// statData is fi's stat data as an index entry holds it.
func statData(fi fs.FileInfo) (indexStat, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return indexStat{}, false
	}
	return indexStat{
		ctime: uint32(st.Ctim.Sec), ctimeNsec: uint32(st.Ctim.Nsec),
		mtime: uint32(st.Mtim.Sec), mtimeNsec: uint32(st.Mtim.Nsec),
		dev: uint32(st.Dev), ino: uint32(st.Ino), uid: st.Uid, gid: st.Gid,
	}, true
}
