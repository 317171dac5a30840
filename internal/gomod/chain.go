package gomod

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Placeholder is the version a go.mod gives a module whose real source comes from a replace:
// it names no commit, so it only builds where that replace is in force.
const Placeholder = "v0.0.0-00010101000000-000000000000"

// Step is one link of a chain that go printed: a module at a version ("requires" links) or a
// package ("imports" links, where go names packages, not modules).
type Step struct {
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	Package bool   `json:"package,omitempty"`
}

func (s Step) String() string {
	if s.Version != "" {
		return s.Path + "@" + s.Version
	}
	return s.Path
}

// Chain is a requirement chain that ends in a module go could not find at the placeholder
// version, as in
//
//	go: github.com/openshift/installer@v0.16.1 requires
//		github.com/openshift/cluster-api-provider-kubevirt@v0.0.0-20201214114543-e5aed9c73f1f requires
//		kubevirt.io/client-go@v0.0.0-00010101000000-000000000000: invalid version: unknown revision 000000000000
type Chain struct {
	// Steps lead to the failing module, first (outermost) first; it can be empty when our own
	// go.mod holds the placeholder.
	Steps []Step `json:"steps,omitempty"`
	// Failing is the module required at the placeholder version.
	Failing Step `json:"failing"`
	// Reason is what go said about it ("invalid version: unknown revision 000000000000"; through
	// a proxy, the status and, on a second line, the proxy's answer).
	Reason string `json:"reason,omitempty"`
}

// Requirer is the step just before the failing module: the one whose go.mod should hold the
// replace. ok is false when the chain names nothing before it.
func (c Chain) Requirer() (Step, bool) {
	if len(c.Steps) == 0 {
		return Step{}, false
	}
	return c.Steps[len(c.Steps)-1], true
}

// String prints the chain the way go did, one link a line.
func (c Chain) String() string {
	var b strings.Builder
	for _, s := range c.Steps {
		b.WriteString(s.String())
		if s.Package {
			b.WriteString(" imports\n\t")
		} else {
			b.WriteString(" requires\n\t")
		}
	}
	b.WriteString(c.Failing.String())
	if c.Reason != "" {
		b.WriteString(": " + c.Reason)
	}
	return b.String()
}

// Explain says in plain words what the chain means.
func (c Chain) Explain() string {
	r, ok := c.Requirer()
	if !ok {
		return fmt.Sprintf("%s is required at the placeholder version %s, which names no commit; it only builds with a replace for it", c.Failing.Path, Placeholder)
	}
	what := "module"
	if r.Package {
		what = "package"
	}
	return fmt.Sprintf("%s %s requires %s at the placeholder version %s, which names no commit; the real version comes from a replace that go does not carry over from dependencies",
		what, r, c.Failing.Path, Placeholder)
}

var placeholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(\S+)@` + regexp.QuoteMeta(Placeholder)) })

// links are the words go ends a chain line with.
var links = []struct {
	suffix  string
	pkg     bool
	testPkg bool
}{
	{" requires", false, false},
	{" imports", true, false},
	{" tested by", true, true},
}

// ParseChains finds every chain in go's output that ends in a module at the placeholder
// version. Output from go mod tidy, go mod vendor, go get and go list all have the same shape:
// a line starting "go: " and continuation lines indented by a tab (or spaces, when a person
// pasted it), each but the last ending in "requires" or "imports".
func ParseChains(output string) []Chain {
	lines := strings.Split(strings.ReplaceAll(output, "\r\n", "\n"), "\n")
	var chains []Chain
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "go: ") {
			continue
		}
		// The block: the "go: " line and the indented lines after it.
		j := i + 1
		for j < len(lines) && lines[j] != "" && (lines[j][0] == '\t' || lines[j][0] == ' ') && !strings.HasPrefix(strings.TrimLeft(lines[j], " \t"), "go: ") {
			j++
		}
		if c, ok := parseBlock(lines[i:j]); ok {
			chains = append(chains, c)
		}
		i = j - 1
	}
	return chains
}

func parseBlock(block []string) (Chain, bool) {
	var c Chain
	for n, raw := range block {
		line := strings.TrimSpace(raw)
		if n == 0 {
			line = strings.TrimSpace(strings.TrimPrefix(line, "go:"))
		}
		if m := placeholderRE().FindStringSubmatchIndex(line); m != nil {
			path := line[m[2]:m[3]]
			// "pkg: module@placeholder: reason" (imports chains) names the package first.
			if k := strings.LastIndex(path, ":"); k >= 0 {
				path = path[k+1:]
			}
			path = strings.TrimSpace(path)
			if path == "" {
				return Chain{}, false
			}
			c.Failing = Step{Path: path, Version: Placeholder}
			c.Reason = strings.TrimSpace(strings.TrimPrefix(line[m[1]:], ":"))
			// Through a module proxy go prints the status, then the proxy's own words
			// ("server response: not found: ...: invalid version: unknown revision
			// 000000000000") on the next line: they are the reason too.
			if n+1 < len(block) {
				if next := strings.TrimSpace(block[n+1]); strings.HasPrefix(next, "server response:") {
					c.Reason += "\n\t" + next
				}
			}
			return c, true
		}
		matched := false
		for _, l := range links {
			if rest, ok := strings.CutSuffix(line, l.suffix); ok {
				fields := strings.Fields(rest)
				if len(fields) != 1 {
					return Chain{}, false
				}
				if l.testPkg {
					// "pkg tested by\n\tpkg.test imports": the test binary is the same package.
					matched = true
					break
				}
				st := Step{Path: fields[0], Package: l.pkg}
				if p, v, ok := strings.Cut(fields[0], "@"); ok && !l.pkg {
					st.Path, st.Version = p, v
				}
				if st.Path == "" {
					return Chain{}, false
				}
				if l.pkg {
					st.Path = strings.TrimSuffix(st.Path, ".test")
				}
				c.Steps = append(c.Steps, st)
				matched = true
				break
			}
		}
		if !matched {
			return Chain{}, false
		}
	}
	return Chain{}, false
}
