//go:build !linux

package example

import "io/fs"

// statData is fi's stat data as an index entry holds it: elsewhere than Linux, git update-index
// --refresh writes it.
func statData(fs.FileInfo) (indexStat, bool) { return indexStat{}, false }
