module github.com/aro-releasekit/releasekit

go 1.26.0

tool (
	github.com/magefile/mage
	github.com/rhysd/actionlint/cmd/actionlint // why: lints the CI workflow examples in scripts/ci (also in the tests)
)

require (
	github.com/Azure/azure-sdk-for-go/sdk/azcore v1.22.0 // why: Azure SDK core (errors, retry policy) for rhcos
	github.com/Azure/azure-sdk-for-go/sdk/azidentity v1.14.0 // why: default Azure credential chain to look up the storage key
	github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage v1.8.1 // why: list the images storage account keys through ARM
	github.com/Azure/azure-sdk-for-go/sdk/storage/azblob v1.8.0 // why: server-side blob copy, copy status and SAS signing (v1.8.0: later ones pull in Apache Arrow)
	github.com/blang/semver/v4 v4.0.0 // why: OpenShift versions and candidates (X.Y.Z-rc.N) parsed and ordered as the cluster-version operator and oc do
	github.com/coreos/stream-metadata-go v0.4.11 // why: CoreOS stream metadata types for rhcos.json
	github.com/go-git/go-billy/v5 v5.9.2 // why: the filesystem go-git's object store reads through, to follow alternates as git does (internal/git/objects.go)
	github.com/go-git/go-git/v5 v5.19.3 // reads: refs, revision walks, trees, blobs (writes go through the git CLI)
	github.com/google/go-containerregistry v0.22.1 // release image digests and layers; in-process registry for tests
	github.com/google/go-github/v84 v84.0.0 // why: GitHub REST API client for the pull requests that end the runbook (fork:pr, -pr)
	github.com/magefile/mage v1.17.2 // the targets' runtime (mg); the tool itself is pinned by the tool directive
	github.com/pmezard/go-difflib v1.0.0 // unified diffs of the edits (the diff library testify uses)
	github.com/rhysd/actionlint v1.7.12 // why: the tests lint every scripts/ci workflow with it, in process
	github.com/rogpeppe/go-internal v1.14.1 // testscript: end-to-end scripts that run the compiled targets
	github.com/stretchr/testify v1.12.1 // test assertions
	go.yaml.in/yaml/v3 v3.0.5 // multi-document release manifests
	golang.org/x/mod v0.42.0 // why: go.mod edits (modfile), module path and version checks (module, semver)
	golang.org/x/sync v0.24.0 // why: errgroup, the bounded worker pool for module resolution
)

require (
	dario.cat/mergo v1.0.0 // indirect
	github.com/Azure/azure-sdk-for-go/sdk/internal v1.12.0 // indirect
	github.com/AzureAD/microsoft-authentication-library-for-go v1.7.2 // indirect
	github.com/Microsoft/go-winio v0.6.2 // indirect
	github.com/ProtonMail/go-crypto v1.1.6 // indirect
	github.com/bmatcuk/doublestar/v4 v4.10.0 // indirect
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/cloudflare/circl v1.6.3 // indirect
	github.com/cyphar/filepath-securejoin v0.6.1 // indirect
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/emirpasic/gods v1.18.1 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/go-git/gcfg v1.5.1-0.20230307220236-3a3c6141e376 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/golang/groupcache v0.0.0-20241129210726-2c02b8208cf8 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jbenet/go-context v0.0.0-20150711004518-d14ea06fba99 // indirect
	github.com/kevinburke/ssh_config v1.2.0 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.21 // indirect
	github.com/mattn/go-shellwords v1.0.12 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/pjbgf/sha1cd v0.7.0 // indirect
	github.com/pkg/browser v0.0.0-20240102092130-5ac0b6a4141c // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	github.com/sergi/go-diff v1.3.2-0.20230802210424-5b0b94c5c0d3 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	github.com/skeema/knownhosts v1.3.1 // indirect
	github.com/xanzy/ssh-agent v0.3.3 // indirect
	go.yaml.in/yaml/v4 v4.0.0-rc.3 // indirect
	golang.org/x/crypto v0.57.0 // indirect
	golang.org/x/net v0.59.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
	gopkg.in/warnings.v0 v0.1.2 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
