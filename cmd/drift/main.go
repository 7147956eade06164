// Command drift is the drift gate (`make drift STAGE=Prod`, and the
// pipeline's step before each stage's deploy): CloudFormation drift
// detection on every stack of one stage of a synthesized cloud assembly,
// each in the region its manifest names, through package internal/analysis/drift.
//
//	go run ./cmd/drift [-assembly cdk.out] [-role-arn ARN] [-account ID] STAGE
//
// It prints one line per stack and one per drifted property, and exits 1
// when a stateful or IAM resource drifted or a stack could not be checked,
// 2 on a usage error (no such stage, credentials for another account than
// the stage's), 0 otherwise (other drift is printed as a warning; a stack
// that does not exist yet is "not deployed yet").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/drift"
)

// usageError exits 2.
type usageError struct{ error }

func main() {
	code, err := run(context.Background(), os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "drift:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	dir := fs.String("assembly", "cdk.out", "the synthesized cloud assembly the stage's stack names and regions are read from")
	roleArn := fs.String("role-arn", "", "assume this role for the checks (the pipeline: the target account's CDK lookup role); default: the caller's credentials")
	account := fs.String("account", "", "the account the stage is deployed in; default: the stacks' account in the manifest, when it names one")
	timeout := fs.Duration("timeout", drift.DefaultTimeout, "how long to wait for every stack's detection together")
	poll := fs.Duration("poll", drift.DefaultPollInterval, "interval between detection status polls")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: drift [flags] STAGE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2, usageError{err}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2, usageError{fmt.Errorf("want one stage (Dev, Staging or Prod), got %d arguments", fs.NArg())}
	}
	stage := fs.Arg(0)
	stacks, others, wantAccount, err := stageStacks(*dir, stage, *account)
	if err != nil {
		return 2, usageError{err}
	}

	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(stacks[0].Region))
	if err != nil {
		return 2, usageError{fmt.Errorf("AWS credentials: %v", err)}
	}
	if *roleArn != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), *roleArn,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "stratus-drift-" + stage }))
	}
	// A stack looked up in the wrong account "does not exist", which the
	// gate passes as not deployed yet: so check whose credentials these are.
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return 2, usageError{fmt.Errorf("AWS credentials: %v", err)}
	}
	got := aws.ToString(id.Account)
	if wantAccount != "" && got != wantAccount {
		return 2, usageError{fmt.Errorf("the credentials are for account %s, %s is deployed in %s: use that account's credentials (or -role-arn)", got, stage, wantAccount)}
	}
	fmt.Fprintf(out, "drift gate: %s, %d stacks, account %s (as %s)\n", stage, len(stacks), got, aws.ToString(id.Arn))
	for _, o := range others {
		fmt.Fprintf(out, "not checked here: %s, in account %s (check it with -account %s and that account's credentials)\n", o.StackName, o.Account, o.Account)
	}

	clients := map[string]drift.API{}
	c := &drift.Checker{
		Client: func(region string) drift.API {
			if clients[region] == nil {
				clients[region] = drift.NewClient(cfg, region)
			}
			return clients[region]
		},
		PollInterval: *poll,
		Timeout:      *timeout,
	}
	report := c.Check(ctx, stacks)
	render(out, report)
	if report.Failed() {
		return 1, nil
	}
	return 0, nil
}

// stageStacks are the stage's stacks in the assembly (sorted by name) in
// account, and the account they name ("" when environment-agnostic). With
// account "" the stage's stacks must all be in one account; with an
// account, the stacks of the stage in other accounts (the backup
// account's, Options.BackupAccount) are returned apart, as others.
func stageStacks(dir, stage, account string) (stacks []drift.Stack, others []assembly.Stack, in string, err error) {
	all, err := assembly.Stacks(dir)
	if err != nil {
		return nil, nil, "", fmt.Errorf("reading the cloud assembly (run make synth first): %v", err)
	}
	var out []drift.Stack
	stages := map[string]bool{}
	in = account
	for _, s := range all {
		if s.Stage != "" {
			stages[s.Stage] = true
		}
		if s.Stage != stage {
			continue
		}
		if s.Region == "" {
			return nil, nil, "", fmt.Errorf("stack %s has no region in %s's manifest: synthesize it with a region", s.StackName, dir)
		}
		if s.Account != "" {
			switch {
			case account != "" && s.Account != account:
				others = append(others, s)
				continue
			case in != "" && in != s.Account:
				return nil, nil, "", fmt.Errorf("%s's stacks are in several accounts (%s, %s): check each with -account and -role-arn", stage, in, s.Account)
			}
			in = s.Account
		}
		out = append(out, drift.Stack{Name: s.StackName, Region: s.Region})
	}
	if len(out) == 0 && len(others) > 0 {
		return nil, nil, "", fmt.Errorf("none of %s's stacks is in account %s (%s is in %s): give the account the stage is deployed in",
			stage, account, others[0].StackName, others[0].Account)
	}
	if len(out) == 0 {
		names := make([]string, 0, len(stages))
		for n := range stages {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, nil, "", fmt.Errorf("no stage %q in %s (stages: %s)", stage, dir, strings.Join(names, ", "))
	}
	return out, others, in, nil
}

// maxValue is how much of an expected or actual value a line shows.
const maxValue = 80

// render prints the stacks, then every drifted property (a deleted resource
// as one line), then the verdict.
func render(w io.Writer, r drift.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STACK\tREGION\tSTATUS")
	var fails, warns int
	for _, s := range r.Stacks {
		status := string(s.Status)
		if s.Status == drift.Drifted {
			f, wn := 0, 0
			for _, res := range s.Resources {
				if res.Fails() {
					f++
				} else {
					wn++
				}
			}
			fails, warns = fails+f, warns+wn
			status = fmt.Sprintf("drifted: %d failing, %d warning", f, wn)
		}
		if s.Err != nil {
			status = "error: " + s.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Stack.Name, s.Stack.Region, status)
	}
	tw.Flush()
	if fails+warns > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RESULT\tSTACK\tLOGICAL ID\tTYPE\tCLASS\tDRIFT\tPROPERTY\tDIFFERENCE\tEXPECTED\tACTUAL")
		for _, s := range r.Stacks {
			for _, res := range s.Resources {
				result := "WARN"
				if res.Fails() {
					result = "FAIL"
				}
				row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", result, s.Stack.Name, res.LogicalID, res.Type, res.Class, res.Status)
				if len(res.Properties) == 0 {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t-\n", row)
				}
				for _, p := range res.Properties {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row, p.Path, p.Difference, short(p.Expected), short(p.Actual))
				}
			}
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	switch {
	case r.Failed():
		fmt.Fprintf(w, "drift gate FAILED: %d failing drifted resources (stateful or IAM), %d warnings, %d stacks not checked\n", fails, warns, errored(r))
	default:
		fmt.Fprintf(w, "drift gate passed: %d warnings (drift of other resources, which the deploy overwrites)\n", warns)
	}
}

func errored(r drift.Report) int {
	n := 0
	for _, s := range r.Stacks {
		if s.Err != nil {
			n++
		}
	}
	return n
}

// short is a value on one line, cut to maxValue characters; "-" for none.
func short(v string) string {
	v = strings.Join(strings.Fields(v), " ")
	if v == "" {
		return "-"
	}
	if r := []rune(v); len(r) > maxValue {
		return string(r[:maxValue-1]) + "…"
	}
	return v
}
