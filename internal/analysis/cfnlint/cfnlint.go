// Package cfnlint runs cfn-lint, AWS's CloudFormation linter
// (github.com/aws-cloudformation/cfn-lint, a Python tool), over every
// template of a synthesized cloud assembly: a second gate after aws-cdk-lib's
// CloudFormation Validate plugin and cdk-nag, with rules of its own (values
// per region, intrinsic functions where CloudFormation does not resolve
// them, resource-specific constraints).
//
// Each template is linted for its stack's region. Any error fails the
// check; warnings are listed and do not. A finding that is not a defect of
// the templates (a hint filed under an error code, a choice made on purpose)
// is excused by an Exception with its reason, in one committed file
// (test/cfn-lint.exceptions.json); an exception that matches nothing fails
// the check too, so the file never excuses more than today's findings.
//
// cfn-lint is not a Go dependency: Installed finds it on the PATH, and
// `make cfnlint` (part of `make test`) says in one line that it skipped
// the check where it is missing. Version is the release the exceptions
// were written against: `pip install cfn-lint==` it.
package cfnlint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// Version is the cfn-lint release this repository tests with; README's
// prerequisites, .ci/run and the pipeline's install step name it.
const Version = "1.51.0"

// Binary is the command Run executes.
const Binary = "cfn-lint"

// Installed returns the path of cfn-lint, or "" when it is not on the PATH.
func Installed() string {
	p, err := exec.LookPath(Binary)
	if err != nil {
		return ""
	}
	return p
}

// InstalledVersion is what `cfn-lint --version` prints, e.g. "cfn-lint 1.51.0".
func InstalledVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v: %s", bin, err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// Finding is one cfn-lint finding on one stack's template.
type Finding struct {
	// Stack is the stack's construct path ("Prod/App", "Pipeline").
	Stack string
	// Rule is the rule id ("E1022"), Level "Error", "Warning" or
	// "Informational".
	Rule, Level, Message string
	// Path is the location in the template, segments joined by "/"
	// ("Resources/Fn/Properties/Role"); Line its line.
	Path string
	Line int
	// Exception excuses the finding; nil when none does.
	Exception *Exception
}

// cfnLintJSON is one finding of `cfn-lint --format json`.
type cfnLintJSON struct {
	Filename string
	Level    string
	Message  string
	Location struct {
		Path  []any
		Start struct{ LineNumber int }
	}
	Rule struct{ Id string }
}

// Run lints the template of every stack of the assembly in dir with the
// cfn-lint at bin, one invocation per region, and applies cfg's exceptions.
func Run(ctx context.Context, bin, dir string, cfg *Config) (*Report, error) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("%s holds no stacks", dir)
	}
	byFile := map[string]string{}
	byRegion := map[string][]string{}
	for _, s := range stacks {
		file, err := filepath.Abs(s.Template)
		if err != nil {
			return nil, err
		}
		byFile[file] = s.Path()
		byRegion[s.Region] = append(byRegion[s.Region], file)
	}
	rep := &Report{Templates: len(stacks), Regions: map[string]int{}}
	for region, files := range byRegion {
		rep.Regions[region] = len(files)
		found, err := lint(ctx, bin, region, files)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			file, _ := filepath.Abs(f.Filename)
			stack, ok := byFile[file]
			if !ok {
				return nil, fmt.Errorf("cfn-lint reported on %s, which is not one of the templates it was given", f.Filename)
			}
			segs := make([]string, len(f.Location.Path))
			for i, p := range f.Location.Path {
				segs[i] = fmt.Sprint(p)
			}
			rep.Findings = append(rep.Findings, Finding{Stack: stack, Rule: f.Rule.Id, Level: f.Level, Message: f.Message,
				Path: strings.Join(segs, "/"), Line: f.Location.Start.LineNumber})
		}
	}
	rep.apply(cfg)
	return rep, nil
}

// lint runs cfn-lint on files for region ("" is cfn-lint's default).
func lint(ctx context.Context, bin, region string, files []string) ([]cfnLintJSON, error) {
	sort.Strings(files)
	args := []string{"--format", "json"}
	if region != "" {
		args = append(args, "--regions", region)
	}
	args = append(append(args, "--"), files...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// cfn-lint exits non-zero whenever it finds something (2 errors,
	// 4 warnings, 8 informational, or'ed); its verdict is the JSON.
	var found []cfnLintJSON
	if err := json.Unmarshal(stdout.Bytes(), &found); err != nil {
		return nil, fmt.Errorf("%s %s: %v; no JSON report (%v): %s", bin, strings.Join(args[:len(args)-len(files)], " "),
			runErr, err, lastLine(stderr.String()+stdout.String()))
	}
	return found, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
