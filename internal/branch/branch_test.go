package branch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStepWords(t *testing.T) {
	for _, c := range []struct {
		step Step
		want string
	}{
		{Step{Kind: StepAddRemote, Remote: "upstream", URL: "https://bot:ghp_token@github.com/openshift/installer.git"},
			"add remote upstream https://REDACTED@github.com/openshift/installer.git"},
		{Step{Kind: StepFetch, Remote: "upstream"}, "fetch upstream"},
		{Step{Kind: StepCreate, Branch: "release-4.15-azure", From: "upstream/release-4.15", Later: true},
			"then create release-4.15-azure from upstream/release-4.15"},
		{Step{Kind: StepCheckout, Branch: "release-4.15-azure"}, "check out release-4.15-azure"},
		{Step{Kind: StepBumpGo, Go: "1.21"},
			`bump Go in hack/build.sh and hack/go-test.sh to 1.21 and commit "HACK: Bumping the Golang version in build and go-test scripts"`},
	} {
		assert.Equal(t, c.want, c.step.String())
	}
}
