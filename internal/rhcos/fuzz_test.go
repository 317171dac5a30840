package rhcos

import (
	"errors"
	"strings"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/example"
)

// FuzzReadStream feeds the stream reader (ParseStream, then Sources and the release check)
// arbitrary bytes, seeded with installer-shaped streams: it must never panic, and whatever it
// accepts must be a source rhcos:publish can copy.
func FuzzReadStream(f *testing.F) {
	disk := func(arch, rel string) example.RHCOSDisk {
		return example.RHCOSDisk{Arch: arch, Release: rel, URL: example.RHCOSPublicURL(rel, arch)}
	}
	f.Add(example.RHCOSStream(disk("x86_64", rel415), disk("aarch64", rel415)))
	f.Add(example.RHCOSStream(disk("x86_64", "416.94.202406251923-0")))
	f.Add(example.RHCOSStream(example.RHCOSDisk{Arch: "x86_64", Release: rel415}, disk("s390x", rel415)))
	f.Add(example.RHCOSStream(example.RHCOSDisk{Arch: "x86_64", Release: rel415, URL: "https://h/c/x.vhd?sv=1&sig=s3cret"}))
	f.Add([]byte(`{"stream":"rhcos-4.15","architectures":{"x86_64":{"rhel-coreos-extensions":{"azure-disk":{"release":"415.1","url":"ftp://x/y.vhd"}}}}}`))
	f.Add([]byte(`{"architectures":{}}`))
	f.Add([]byte(`{"architectures":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("{\n  \"stream\": \"rhcos-4.15\",\n  \"architectures\": {\n    \"x86_64\": {,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseStream(data, "rhcos.json")
		if err != nil {
			if !errors.Is(err, ErrMalformedStream) || !strings.HasPrefix(err.Error(), "rhcos.json: ") {
				t.Fatalf("ParseStream error %q does not name the file and ErrMalformedStream", err)
			}
			return
		}
		srcs, err := Sources(st, "rhcos.json", append(DefaultArches, "s390x"))
		for _, s := range srcs {
			if err := checkSourceURL(s.URL); err != nil {
				t.Fatalf("accepted %+v: %v", s, err)
			}
			if s.Release == "" || !strings.HasSuffix(strings.ToLower(s.BlobName()), ".vhd") {
				t.Fatalf("accepted %+v with blob %q", s, s.BlobName())
			}
			_ = CheckRelease(s.Release, 4, 15)
		}
		if err != nil && !errors.Is(err, ErrNoArch) && !errors.Is(err, ErrNoAzureDisk) {
			t.Fatalf("Sources error %v is neither ErrNoArch nor ErrNoAzureDisk", err)
		}
	})
}
