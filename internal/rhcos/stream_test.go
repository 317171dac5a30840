package rhcos

import (
	"errors"
	"strings"
	"testing"

	"github.com/aro-releasekit/releasekit/internal/example"
)

const rel415 = "415.92.202402201450-0"

func TestSourcesFromRealisticStream(t *testing.T) {
	data := example.RHCOSStream(
		example.RHCOSDisk{Arch: "x86_64", Release: rel415, URL: example.RHCOSPublicURL(rel415, "x86_64")},
		example.RHCOSDisk{Arch: "aarch64", Release: rel415, URL: example.RHCOSPublicURL(rel415, "aarch64")},
		example.RHCOSDisk{Arch: "s390x", Release: rel415}, // no Azure on s390x, and not asked for
	)
	st, err := ParseStream(data, "rhcos.json")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := Sources(st, "rhcos.json", DefaultArches)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) != 2 || srcs[0].Arch != "x86_64" || srcs[1].Arch != "aarch64" {
		t.Fatalf("sources = %+v, want x86_64 then aarch64", srcs)
	}
	if srcs[0].Release != rel415 || srcs[0].URL != example.RHCOSPublicURL(rel415, "x86_64") {
		t.Errorf("x86_64 = %+v", srcs[0])
	}
	if got, want := srcs[1].BlobName(), "rhcos-415.92.202402201450-0-azure.aarch64.vhd"; got != want {
		t.Errorf("blob name = %q, want %q", got, want)
	}
}

func TestParseStreamMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"truncated", "{\n  \"stream\": \"rhcos-4.15\",\n  \"architectures\": {", "line 3"},
		{"not json", "<html>404</html>", "line 1 column 1"},
		{"wrong type", `{"architectures": []}`, "cannot unmarshal"},
		{"not a stream", `{"name": "something else"}`, `no "architectures" object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseStream([]byte(tc.data), "rhcos.json at origin/release-4.15-azure")
			if !errors.Is(err, ErrMalformedStream) {
				t.Fatalf("err = %v, want ErrMalformedStream", err)
			}
			for _, w := range []string{"rhcos.json at origin/release-4.15-azure", tc.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestSourcesMissingArchAndAzure(t *testing.T) {
	st, err := ParseStream(example.RHCOSStream(
		example.RHCOSDisk{Arch: "x86_64", Release: rel415}, // no azure-disk
		example.RHCOSDisk{Arch: "ppc64le", Release: rel415},
	), "rhcos.json")
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := Sources(st, "rhcos.json", DefaultArches)
	if len(srcs) != 0 {
		t.Errorf("sources = %+v, want none", srcs)
	}
	if !errors.Is(err, ErrNoAzureDisk) || !errors.Is(err, ErrNoArch) {
		t.Fatalf("err = %v, want both ErrNoAzureDisk and ErrNoArch", err)
	}
	for _, w := range []string{"azure-disk.url is missing", "for x86_64", "aarch64 (it has ppc64le, x86_64)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

func TestSourcesBadURL(t *testing.T) {
	for _, u := range []string{"ftp://example.com/a.vhd", "https://rhcos.blob.core.windows.net/imagebucket/", "https://rhcos.blob.core.windows.net/x.vhd.gz"} {
		st, err := ParseStream(example.RHCOSStream(example.RHCOSDisk{Arch: "x86_64", Release: rel415, URL: u}), "s")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Sources(st, "s", []string{"x86_64"}); !errors.Is(err, ErrNoAzureDisk) {
			t.Errorf("%s: err = %v, want ErrNoAzureDisk", u, err)
		}
	}
}

func TestCheckRelease(t *testing.T) {
	for _, tc := range []struct {
		rel          string
		major, minor int
		want         bool
	}{
		{rel415, 4, 15, true},
		{rel415, 4, 14, false},
		{"49.84.202110081407-0", 4, 9, true},
		{"416.94.202405291527-0", 4, 1, false},
	} {
		if got := CheckRelease(tc.rel, tc.major, tc.minor); got != tc.want {
			t.Errorf("CheckRelease(%q, %d, %d) = %v", tc.rel, tc.major, tc.minor, got)
		}
	}
}
