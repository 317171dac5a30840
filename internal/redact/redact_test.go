package redact

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestURLAndText(t *testing.T) {
	for in, want := range map[string]string{
		"https://bob:tok3n@github.com/openshift/installer.git":                   "https://REDACTED@github.com/openshift/installer.git",
		"https://github.com/openshift/installer.git":                             "https://github.com/openshift/installer.git",
		"https://a.blob.core.windows.net/rhcos/x.vhd?sv=2021&sig=abc%2Fdef&sp=r": "https://a.blob.core.windows.net/rhcos/x.vhd?sig=REDACTED&sp=r&sv=2021",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	txt := `fatal: unable to access 'https://bob:tok3n@example.com/x.git/': and https://h/b?se=1&sig=s3cret`
	got := Text(txt, "keykey")
	for _, secret := range []string{"tok3n", "bob", "s3cret"} {
		if strings.Contains(got, secret) {
			t.Errorf("Text kept %q: %s", secret, got)
		}
	}
	if !strings.Contains(got, "example.com/x.git") {
		t.Errorf("Text lost the host: %s", got)
	}
}

func TestErrKeepsTheCause(t *testing.T) {
	err := Err(errors.Join(fs.ErrNotExist, errors.New("https://u:p@h/")))
	if !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "u:p") {
		t.Fatalf("err = %v", err)
	}
	plain := errors.New("nothing to hide")
	if Err(plain) != plain {
		t.Fatal("an error with nothing to hide was wrapped")
	}
}
