package example

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// errIndexFormat is an index refreshIndex does not rewrite: git update-index --refresh does.
var errIndexFormat = errors.New("index not rewritten in process")

// refreshIndex writes into the index file of the work tree top the stat data of the files it
// names — what git update-index --refresh writes after a copy, when only the stat data
// differs: the copy has the same contents, at new inodes and times. It saves a git process per
// copied work tree. It rewrites only what it knows for sure (index versions 2 and 3, stage-0
// entries of regular files and symlinks whose type and size are unchanged, a SHA-1 trailer)
// and returns errIndexFormat for anything else, without writing.
//
// The layout is git's (Documentation/gitformat-index.txt): a 12-byte header, then per entry
// ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size (32 bits each), the
// object id, 16 bits of flags (with 16 more in version 3 when the extended bit is set), the
// path and 1 to 8 NULs to a multiple of 8; then extensions, which name no stat data, and the
// checksum of everything before it. (go-git's index encoder would do the writing, but it drops
// the extensions, the cache tree among them: a copy would then not be the snapshot's index.)
func refreshIndex(top, index string) error {
	data, err := os.ReadFile(index)
	if err != nil {
		return err
	}
	const header, fixed, oidLen = 12, 62, 20
	if len(data) < header+oidLen || string(data[:4]) != "DIRC" {
		return errIndexFormat
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version != 2 && version != 3 {
		return errIndexFormat
	}
	body := data[:len(data)-oidLen]
	if sum := sha1.Sum(body); !bytes.Equal(sum[:], data[len(body):]) {
		return errIndexFormat // another hash, or index.skipHash: git's to write
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	off := header
	for range n {
		if off+fixed > len(body) {
			return errIndexFormat
		}
		e := body[off:]
		flags := binary.BigEndian.Uint16(e[60:62])
		size := fixed
		if flags&0x4000 != 0 { // extended flags: intent-to-add, skip-worktree
			return errIndexFormat
		}
		if flags&0x3000 != 0 { // a conflict stage
			return errIndexFormat
		}
		end := bytes.IndexByte(e[size:], 0)
		if end < 0 {
			return errIndexFormat
		}
		name := string(e[size : size+end])
		size += end
		size += 8 - size%8 // 1 to 8 NULs
		if off+size > len(body) {
			return errIndexFormat
		}
		if err := restat(e, filepath.Join(top, filepath.FromSlash(name))); err != nil {
			return err
		}
		off += size
	}
	sum := sha1.Sum(body)
	copy(data[len(body):], sum[:])
	tmp := index + ".refresh"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, index)
}

// restat writes the stat data of the file at p into the index entry e, or says why it cannot.
func restat(e []byte, p string) error {
	mode := binary.BigEndian.Uint32(e[24:28])
	fi, err := os.Lstat(p)
	if err != nil {
		return errIndexFormat
	}
	st, ok := statData(fi)
	if !ok {
		return errIndexFormat
	}
	switch mode & 0o170000 {
	case 0o100000:
		if !fi.Mode().IsRegular() || (mode&0o111 != 0) != (fi.Mode()&0o100 != 0) {
			return errIndexFormat
		}
	case 0o120000:
		if fi.Mode()&fs.ModeSymlink == 0 {
			return errIndexFormat
		}
	default: // a gitlink, or a mode git does not write
		return errIndexFormat
	}
	if uint32(fi.Size()) != binary.BigEndian.Uint32(e[36:40]) {
		return errIndexFormat // not the same file: git compares contents
	}
	be := binary.BigEndian
	for i, v := range []uint32{st.ctime, st.ctimeNsec, st.mtime, st.mtimeNsec, st.dev, st.ino} {
		be.PutUint32(e[4*i:], v)
	}
	be.PutUint32(e[28:], st.uid)
	be.PutUint32(e[32:], st.gid)
	return nil
}

// indexStat is the stat data an index entry holds, each truncated to 32 bits as git does.
type indexStat struct {
	ctime, ctimeNsec, mtime, mtimeNsec, dev, ino, uid, gid uint32
}
