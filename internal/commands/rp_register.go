package commands

import (
	"context"
	"flag"
	"strconv"

	"github.com/aro-releasekit/releasekit/internal/cli"
	"github.com/aro-releasekit/releasekit/internal/rp"
	"github.com/aro-releasekit/releasekit/internal/settings"
)

var rpRegisterVersion = &cli.Command{
	Name:  "rp:registerVersion",
	Args:  []string{"X.Y.Z"},
	Short: "Make an RP offer release X.Y.Z: PUT its OpenShiftVersion document to the RP admin API.",
	Long: `A dev RP offers the versions whose OpenShiftVersion documents it holds, not const.go's
stream. The document's openShiftPullspec is the digest pull spec, resolved as
rp:bumpVersion resolves it (or -pullspec); its installerPullspec is -installer, by default
<acr>/aro-installer:release-X.Y. The document is checked as the RP's static validator
checks it, compared with the RP's (GET /admin/versions) and sent (PUT /admin/versions)
only when a field differs. A new version is enabled and not the default unless -enable
and -default say otherwise; an existing one keeps its flags. X.Y.Z may be a candidate,
such as 4.20.0-rc.3.`,
	Settings: append(append([]settings.Info(nil), rpSettings...), settings.RPURL, settings.ACR),
	Flags: func(fs *flag.FlagSet) cli.Run {
		pullspec := stringFlag(fs, "pullspec", "use this registry/repository@sha256:<64 hex> as openShiftPullspec and ask no server")
		channel := stringFlag(fs, "channel", "look in this update graph channel, such as candidate-4.16")
		installer := stringFlag(fs, "installer", "the installerPullspec (default <acr>/aro-installer:release-X.Y)")
		acr := stringFlag(fs, "acr", "the registry of the default installer image (default $RELEASEKIT_ACR)")
		enable := boolOpt(fs, "enable", "set enabled (-enable=false disables; default: the RP's value, true for a new version)")
		dflt := boolOpt(fs, "default", "make it the RP's default version (-default=false unsets)")
		rpURL := stringFlag(fs, "rp", "the RP's base URL (default $RELEASEKIT_RP_URL, https://localhost:8443)")
		tls := declareRPTLS(fs)
		dryrun := fs.Bool("dryrun", false, "print the document and the equivalent curl; send nothing")
		json := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, args []string) error {
			ep, err := rpEndpoints()
			if err != nil {
				return err
			}
			defURL, _ := settings.RPURL.Get()
			defACR, _ := settings.ACR.Get()
			res, err := rp.RegisterVersion(ctx, rp.RegisterOptions{
				Version: args[0], PullSpec: pullspec.Ptr(), Channel: channel.Ptr(),
				Installer: installer.Or(""), ACR: acr.Or(defACR), Enable: enable.Ptr(), Default: dflt.Ptr(),
				RP: rpURL.Or(defURL), CACert: tls.cacert.Or(""), Insecure: *tls.insecure, ClientCert: tls.cert.Or(""), ClientKey: tls.key.Or(""),
				DryRun: *dryrun, Endpoints: ep, Log: logw,
			})
			if err != nil {
				return err
			}
			if *json {
				return printJSON(res)
			}
			res.Print(out)
			return nil
		}
	},
}

// optBool is a boolean flag that knows whether it was given: -enable=false differs from no
// -enable at all.
type optBool struct {
	v, set bool
}

func (o *optBool) String() string {
	if o == nil {
		return "false"
	}
	return strconv.FormatBool(o.v)
}

func (o *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	o.v, o.set = v, true
	return nil
}

func (o *optBool) IsBoolFlag() bool { return true }

// Ptr is nil when the flag was not given.
func (o *optBool) Ptr() *bool {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

func boolOpt(fs *flag.FlagSet, name, usage string) *optBool {
	o := new(optBool)
	fs.Var(o, name, usage)
	return o
}

// rpTLS are the flags that reach an RP's admin API over TLS (rp:registerVersion, release:status).
type rpTLS struct {
	cacert, cert, key *pathFlag
	insecure          *bool
}

func declareRPTLS(fs *flag.FlagSet) rpTLS {
	return rpTLS{
		cacert:   filePath(fs, "cacert", "trust the RP certificate's CA from this PEM `file`"),
		insecure: fs.Bool("insecure", false, "skip the RP's certificate check (an RP on this machine only)"),
		cert:     filePath(fs, "cert", "a client certificate PEM `file` for the RP"),
		key:      filePath(fs, "key", "its private key PEM `file`"),
	}
}
