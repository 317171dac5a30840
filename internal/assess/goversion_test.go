package assess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const dockerfile413 = `# This Dockerfile is used by CI to publish the installer image.
FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.19-openshift-4.13 AS builder
ARG TAGS=""
WORKDIR /go/src/github.com/openshift/installer
COPY . .
RUN DEFAULT_ARCH="$(go env GOHOSTARCH)" hack/build.sh

FROM registry.ci.openshift.org/ocp/4.13:base
`

func TestReadGoVersionsReal413(t *testing.T) {
	// Real 4.13: go.mod said 1.18 while the CI builder said 1.19; ARO bumped the scripts to 1.19.
	v, err := ReadGoVersions([]byte("module github.com/openshift/installer\n\ngo 1.18\n"), []byte(dockerfile413),
		[]byte("#!/bin/sh\nminimum_go_version=1.18\n"), []byte("podman run docker.io/golang:1.18 ./hack/go-test.sh\n"))
	require.NoError(t, err)
	assert.Equal(t, GoVersions{GoMod: "1.18", Builder: "1.19", Required: "1.19", BuildScript: "1.18", TestScript: "1.18"}, v)
	assert.True(t, v.NeedsBump())
}

func TestReadGoVersions(t *testing.T) {
	for _, tc := range []struct {
		name              string
		gomod, docker     string
		required, builder string
		build, test       string
		needsBump         bool
	}{
		{name: "go.mod wins", gomod: "go 1.22.3", docker: "FROM x/builder:rhel-9-golang-1.21-openshift-4.16 AS builder", required: "1.22.3", builder: "1.21", build: "1.21", test: "1.21", needsBump: true},
		{name: "no builder image", gomod: "go 1.21", docker: "", required: "1.21", build: "1.21", test: "1.21"},
		{name: "scripts ahead", gomod: "go 1.20", docker: "", required: "1.20", build: "1.21", test: "1.21"},
		{name: "only one script behind", gomod: "go 1.21", required: "1.21", build: "1.21", test: "1.20", needsBump: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ReadGoVersions([]byte("module m\n\n"+tc.gomod+"\n"), []byte(tc.docker),
				[]byte("minimum_go_version="+tc.build+"\n"), []byte("image docker.io/golang:"+tc.test+" x\n"))
			require.NoError(t, err)
			assert.Equal(t, tc.required, v.Required)
			assert.Equal(t, tc.builder, v.Builder)
			assert.Equal(t, tc.needsBump, v.NeedsBump())
		})
	}
	_, err := ReadGoVersions(nil, nil, nil, nil)
	assert.ErrorContains(t, err, "go.mod not found")
	_, err = ReadGoVersions([]byte("module m\n"), nil, nil, nil)
	assert.ErrorContains(t, err, "no go directive")
	_, err = ReadGoVersions([]byte("module m\ngo 1.21\nrequire (\n"), nil, nil, nil)
	assert.ErrorContains(t, err, "parse go.mod")
}

func TestBumpScripts(t *testing.T) {
	build := []byte("#!/bin/sh\nminimum_go_version=1.20\nfoo\n")
	test := []byte("# docker.io/golang:1.20 here\nand golang:1.20 there\n")
	nb, nt := BumpScripts(build, test, "1.21")
	assert.Equal(t, "#!/bin/sh\nminimum_go_version=1.21\nfoo\n", string(nb))
	assert.Equal(t, "# docker.io/golang:1.21 here\nand golang:1.21 there\n", string(nt))
	// A script already at or above the version is left as it is.
	nb, nt = BumpScripts([]byte("minimum_go_version=1.22\n"), []byte("golang:1.21\n"), "1.21")
	assert.Equal(t, "minimum_go_version=1.22\n", string(nb))
	assert.Equal(t, "golang:1.21\n", string(nt))
	assert.Equal(t, "1.21.4", Max("1.21", "1.21.4"))
	assert.Equal(t, "1.10", Max("1.9", "1.10"))
}
