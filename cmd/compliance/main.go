// Command compliance runs cdk-nag's compliance packs (HIPAA Security, NIST
// 800-53 rev 5, PCI DSS 3.2.1) over every stage and prints, per pack, the
// rules that find something and on how many resources. It is a report, not
// a gate of every synth: the AwsSolutions and Serverless packs gate synth
// (stacks.Build); these three name what an auditor of each standard would
// ask for, much of it the backup and replication that issue 31 adds.
//
// The findings that Stratus has fixed must stay fixed: compliance exits 1
// when a rule of fixedRules finds anything, naming the resources.
//
//	go run ./cmd/compliance            # or: make compliance
//	go run ./cmd/compliance -keep DIR  # keep the assembly and its NagReport CSVs
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/stacks"
)

// packs are the report's packs by the prefix cdk-nag gives their rules and
// report files.
var packs = map[string]nag.Pack{
	"HIPAA.Security": nag.HIPAASecurity,
	"NIST.800.53.R5": nag.NIST80053R5,
	"PCI.DSS.321":    nag.PCIDSS321,
}

// fixedRules are the rules (without the pack's prefix) that found nothing when
// issue 29 landed, each with what satisfies it; a finding of one is a
// regression. The rules that still find something are listed in the
// README (Compliance packs), with the issue that addresses each.
func fixedRules() map[string]string {
	return map[string]string{
		"WAFv2LoggingEnabled":                    "every web ACL logs to aws-waf-logs-<stack>-<acl> (issue 29)",
		"CloudWatchLogGroupEncrypted":            "every log group has a KMS key",
		"CloudWatchLogGroupRetentionPeriod":      "every log group has the stage's retention",
		"SNSEncryptedKMS":                        "every topic has a KMS key",
		"RDSStorageEncrypted":                    "the cluster's storage has the database's key",
		"RDSAutomaticMinorVersionUpgradeEnabled": "every instance takes minor upgrades",
		"APIGWXrayEnabled":                       "the API's stage traces with X-Ray",
	}
}

func main() {
	keep := flag.String("keep", "", "write the assembly here and keep it (default: a temporary folder)")
	flag.Parse()
	if err := run(*keep); err != nil {
		fmt.Fprintln(os.Stderr, "compliance:", err)
		os.Exit(1)
	}
}

func run(keep string) error {
	dir := keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "stratus-compliance-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := synth(dir); err != nil {
		return err
	}
	findings, err := Read(dir)
	if err != nil {
		return err
	}
	Print(os.Stdout, findings)
	if bad := Regressions(findings); len(bad) > 0 {
		return fmt.Errorf("fixed findings are back:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}

// synth builds every stage (no account: no pipeline, whose stages CDK
// Pipelines synthesizes before an aspect could be added) with the
// compliance packs on each, into dir.
func synth(dir string) error {
	ctx, err := refsynth.Context("cdk.json")
	if err != nil {
		return err
	}
	delete(ctx, "account")
	// The packs' findings are error annotations, which the validation
	// report (cdk.json's annotationsInValidationReport) would turn into a
	// failed synth before any finding is read. Validation is make synth's
	// and make test's; this is a report.
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
	built, err := stacks.Build(app, stacks.Options{Region: refsynth.Region})
	if err != nil {
		return err
	}
	for _, s := range []*stacks.Stage{built.Dev, built.Staging, built.Prod} {
		for _, pack := range packs {
			nag.Check(s.Stage, pack)
		}
	}
	app.Synth(nil)
	return nil
}
