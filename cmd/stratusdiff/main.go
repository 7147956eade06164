// Command stratusdiff reports what changes in the infrastructure between a
// git ref and the working tree, offline: `make diff REF=main`.
//
//	go run ./cmd/stratusdiff -ref HEAD~1
//
// It synthesizes REF in a temporary worktree and the working tree here
// (package refsynth, with the settings of the stack tests) and prints, per
// stage and stack, the resources added, removed and modified, the
// replacements (from the pinned resource schemas), the IAM permissions
// widened and the security-group rules opened (package changes), then the
// stateful resources replaced or removed since REF with the lock's reason
// for each, and the stateful-lock violations of the working tree. It exits
// 1 on a violation, 2 when it cannot compare. Run it from the repository
// root after `make deps web`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
	"github.com/stratus-cdk/stratus/internal/analysis/changes"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
)

func main() {
	ref := flag.String("ref", "", "git ref to compare the working tree with (required)")
	lockPath := flag.String("lock", statelock.DefaultPath, "the stateful-resource lock of the working tree")
	verbose := flag.Bool("v", false, "print the build and synth commands and their output")
	flag.Parse()
	if *ref == "" {
		fmt.Fprintln(os.Stderr, "usage: stratusdiff -ref GIT_REF (make diff REF=main)")
		os.Exit(2)
	}
	var log io.Writer
	if *verbose {
		log = os.Stderr
	}
	violations, err := run(context.Background(), os.Stdout, *ref, *lockPath, refsynth.Options{Log: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "stratusdiff:", err)
		os.Exit(2)
	}
	if violations > 0 {
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, ref, lockPath string, o refsynth.Options) (int, error) {
	lock, err := statelock.ReadLock(lockPath)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "synthesizing %s in a temporary worktree…\n", ref)
	co, err := refsynth.Ref(ctx, ".", ref, o)
	if err != nil {
		return 0, err
	}
	defer co.Close()
	tmp, err := os.MkdirTemp("", "stratusdiff-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	here := filepath.Join(tmp, "cdk.out")
	fmt.Fprintln(os.Stderr, "synthesizing the working tree…")
	if err := refsynth.Tree(ctx, ".", here, o); err != nil {
		return 0, err
	}
	stacks, err := changes.Compare(ctx, changes.Engine{Root: "."}, co.Assembly, here)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "make diff: %s (%s) → working tree\n", ref, co.Commit[:12])
	fmt.Fprintf(w, "replacements from %s; engine @aws-cdk/cloudformation-diff %s\n\n", cfnspec.Source(), engineVersion())
	changes.Render(w, stacks)
	synthErrors(w, "the working tree", here)
	return stateful(w, ref, lock, lockPath, co.Assembly, here)
}

// stateful prints the stateful resources replaced or removed since ref,
// each with the lock's acknowledgement, and the lock's violations; it
// returns how many violations there are.
func stateful(w io.Writer, ref string, lock *statelock.Lock, lockPath, refDir, hereDir string) (int, error) {
	before, err := statelock.ReadAssembly(refDir)
	if err != nil {
		return 0, err
	}
	now, err := statelock.ReadAssembly(hereDir)
	if err != nil {
		return 0, err
	}
	violations := lock.Check(now)
	violated := map[string]bool{}
	for _, v := range violations {
		violated[v.Stack+" "+v.LogicalID] = true
	}
	asAtRef, _, err := statelock.New(lock.Protected...).Relock(before, "as at "+ref, "")
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "\nstateful resources replaced, removed or unretained since %s:\n", ref)
	n := 0
	for _, p := range asAtRef.Check(now) {
		if p.Kind != statelock.Removed && p.Kind != statelock.Replaced && p.Kind != statelock.Unretained {
			continue
		}
		n++
		ack := "NOT acknowledged in " + lockPath
		if !violated[p.Stack+" "+p.LogicalID] {
			ack = fmt.Sprintf("acknowledged in %s: %q", lockPath, acknowledgement(lock, p))
		}
		fmt.Fprintf(w, "  %s\n      %s\n", p, ack)
	}
	if n == 0 {
		fmt.Fprintln(w, "  none")
	}
	fmt.Fprintf(w, "\nstateful-lock violations (%s):\n", lockPath)
	for _, v := range violations {
		fmt.Fprintf(w, "  VIOLATION %s\n", v)
	}
	if len(violations) == 0 {
		fmt.Fprintln(w, "  none")
	} else {
		fmt.Fprintln(w, `  if the change is intended: make lock REASON="why it is safe", then review and commit the lock's diff`)
	}
	return len(violations), nil
}

// acknowledgement is the reason the lock gives for the change p reports.
func acknowledgement(lock *statelock.Lock, p statelock.Problem) string {
	if e := lock.Stacks[p.Stack][p.LogicalID]; e != nil {
		if p.Kind == statelock.Unretained && e.PolicyException != "" {
			return e.PolicyException
		}
		return e.Reason
	}
	prefix := p.Stack + " " + p.LogicalID + " ("
	for i := len(lock.History) - 1; i >= 0; i-- {
		for _, c := range lock.History[i].Changes {
			if strings.HasPrefix(c, prefix) {
				return lock.History[i].Reason
			}
		}
	}
	return "the lock no longer lists it"
}

// synthErrors prints the error annotations (cdk-nag's among them) that
// would make `cdk synth` fail.
func synthErrors(w io.Writer, what, dir string) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return
	}
	for _, s := range stacks {
		for _, e := range s.Errors {
			fmt.Fprintf(w, "note: %s: %s/%s: %s\n", what, s.Stage, s.Name, e)
		}
	}
}

// engineVersion is the installed @aws-cdk/cloudformation-diff's version.
func engineVersion() string {
	raw, err := os.ReadFile(filepath.Join("node_modules", "@aws-cdk", "cloudformation-diff", "package.json"))
	if err != nil {
		return "(not installed: run make deps)"
	}
	var pkg struct{ Version string }
	if json.Unmarshal(raw, &pkg) != nil {
		return "(unreadable)"
	}
	return pkg.Version
}
