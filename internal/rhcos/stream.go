// Package rhcos publishes the RHCOS VHDs of a CoreOS stream into an Azure storage account and
// signs read-only URLs for the Partner Center offer.
package rhcos

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/coreos/stream-metadata-go/stream"

	"github.com/aro-releasekit/releasekit/internal/redact"
)

// StreamPath is where the installer keeps its CoreOS stream metadata.
const StreamPath = "data/data/coreos/rhcos.json"

// DefaultArches are the architectures the ARO offer ships.
var DefaultArches = []string{"x86_64", "aarch64"}

var (
	// ErrMalformedStream is returned for stream metadata that is not valid JSON or not a stream.
	ErrMalformedStream = errors.New("malformed CoreOS stream metadata")
	// ErrNoArch is returned when the stream lacks a requested architecture.
	ErrNoArch = errors.New("architecture not in the stream")
	// ErrNoAzureDisk is returned when an architecture has no usable Azure disk.
	ErrNoAzureDisk = errors.New("no Azure disk in the stream")
)

// Source is one architecture's public VHD, as the stream names it.
type Source struct {
	Arch string
	// Release is the RHCOS build, such as 415.92.202402201450-0.
	Release string
	// URL is the public VHD (rhel-coreos-extensions.azure-disk.url).
	URL string
}

// BlobName is the destination blob: the source's file name, so that each RHCOS build lands in
// its own blob and a re-run finds it.
func (s Source) BlobName() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return path.Base(u.Path)
}

// ParseStream parses CoreOS stream metadata; what names where the bytes came from.
func ParseStream(data []byte, what string) (*stream.Stream, error) {
	var st stream.Stream
	if err := json.Unmarshal(data, &st); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("%s: %w: line %d column %d: %v", what, ErrMalformedStream, line, col, err)
		}
		return nil, fmt.Errorf("%s: %w: %v", what, ErrMalformedStream, err)
	}
	if len(st.Architectures) == 0 {
		return nil, fmt.Errorf("%s: %w: no \"architectures\" object", what, ErrMalformedStream)
	}
	return &st, nil
}

// Sources picks the Azure disk of each requested architecture, in the order asked. Every
// problem is reported, not only the first, so one run tells the whole story.
func Sources(st *stream.Stream, what string, arches []string) ([]Source, error) {
	var out []Source
	var errs []error
	for _, a := range arches {
		arch, ok := st.Architectures[a]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %w: %s (it has %s)", what, ErrNoArch, a, strings.Join(archNames(st), ", ")))
			continue
		}
		ext := arch.RHELCoreOSExtensions
		if ext == nil || ext.AzureDisk == nil || ext.AzureDisk.URL == "" {
			errs = append(errs, fmt.Errorf("%s: %w for %s: rhel-coreos-extensions.azure-disk.url is missing", what, ErrNoAzureDisk, a))
			continue
		}
		src := Source{Arch: a, Release: ext.AzureDisk.Release, URL: ext.AzureDisk.URL}
		if err := checkSourceURL(src.URL); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w for %s: %v", what, ErrNoAzureDisk, a, err))
			continue
		}
		if src.Release == "" {
			errs = append(errs, fmt.Errorf("%s: %w for %s: rhel-coreos-extensions.azure-disk.release is missing", what, ErrNoAzureDisk, a))
			continue
		}
		out = append(out, src)
	}
	return out, errors.Join(errs...)
}

func checkSourceURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("azure-disk.url is not a URL: %v", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("azure-disk.url %q is not an http(s) URL", redact.URL(raw))
	}
	if b := path.Base(u.Path); b == "/" || b == "." || !strings.HasSuffix(strings.ToLower(b), ".vhd") {
		return fmt.Errorf("azure-disk.url %q does not name a .vhd file", redact.URL(raw))
	}
	return nil
}

// CheckRelease reports whether an RHCOS build belongs to OpenShift major.minor: RHCOS numbers
// its builds after the release, 4.15 → 415.92.…, 4.9 → 49.84.….
func CheckRelease(rhcosRelease string, major, minor int) bool {
	return strings.HasPrefix(rhcosRelease, fmt.Sprintf("%d%d.", major, minor))
}

func archNames(st *stream.Stream) []string {
	var names []string
	for a := range st.Architectures {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// position turns a byte offset into a 1-based line and column, for error messages.
func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
