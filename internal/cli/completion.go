package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// completion prints a shell completion script generated from the table: the targets, and each
// target's flags.
func (t *Table) completion(w io.Writer, args []string) error {
	if len(args) != 1 || (args[0] != "bash" && args[0] != "zsh") {
		return Usage(fmt.Errorf("completion takes the shell: bash or zsh"),
			"for example: source <("+Cmd("completion", "bash")+")")
	}
	prog := "releasekit"
	fn := "_releasekit_complete"
	var b strings.Builder
	if args[0] == "zsh" {
		b.WriteString("autoload -U +X bashcompinit && bashcompinit\n")
	}
	fmt.Fprintf(&b, "# %s completion, generated from its command table: source <(%s completion %s)\n", prog, prog, args[0])
	fmt.Fprintf(&b, "%s() {\n", fn)
	b.WriteString("  local cur=${COMP_WORDS[COMP_CWORD]} target=\"\" i\n")
	b.WriteString("  for ((i = 1; i < COMP_CWORD; i++)); do\n")
	b.WriteString("    case ${COMP_WORDS[i]} in -*) ;; *) target=${COMP_WORDS[i]}; break ;; esac\n")
	b.WriteString("  done\n")
	b.WriteString("  local words\n")
	b.WriteString("  case $target in\n")
	var names []string
	for _, c := range t.sorted() {
		names = append(names, c.Name)
		fs, _ := c.FlagSet()
		var flags []string
		fs.VisitAll(func(f *flag.Flag) {
			if kind, _ := flag.UnquoteUsage(f); kind == "" {
				flags = append(flags, "-"+f.Name)
			} else {
				flags = append(flags, "-"+f.Name+"=")
			}
		})
		fmt.Fprintf(&b, "    %s) words=%q ;;\n", strings.ReplaceAll(c.Name, ":", "\\:"), strings.Join(flags, " "))
	}
	fmt.Fprintf(&b, "    help) words=%q ;;\n", strings.Join(append(append([]string{}, names...), "settings"), " "))
	fmt.Fprintf(&b, "    completion) words=\"bash zsh\" ;;\n")
	fmt.Fprintf(&b, "    *) words=%q ;;\n", strings.Join(append(append([]string{}, names...), "help", "completion", "--version", "--help", "--list"), " "))
	b.WriteString("  esac\n")
	b.WriteString("  local IFS=$'\\n'\n")
	b.WriteString("  COMPREPLY=($(IFS=' '; compgen -W \"$words\" -- \"$cur\"))\n")
	b.WriteString("  [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n")
	b.WriteString("  return 0\n")
	b.WriteString("}\n")
	// The colon in fork:cherryPick is a word break for bash: complete the whole word anyway.
	fmt.Fprintf(&b, "COMP_WORDBREAKS=${COMP_WORDBREAKS//:}\n")
	fmt.Fprintf(&b, "complete -F %s %s\n", fn, prog)
	_, err := io.WriteString(w, b.String())
	return err
}
