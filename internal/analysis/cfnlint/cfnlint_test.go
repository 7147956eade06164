package cfnlint

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// writeAssembly writes a cloud assembly of two stacks: Prod/App in
// eu-west-1 (a nested stage assembly) and Pipeline in us-east-1, with the
// templates given.
func writeAssembly(t *testing.T, app, pipeline string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
			"assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}},
			"Pipeline": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1",
				"properties": {"templateFile": "Pipeline.template.json"}}}}`,
		"Pipeline.template.json": pipeline,
		"assembly-Prod/manifest.json": `{"artifacts": {"ProdApp": {"type": "aws:cloudformation:stack", "displayName": "Prod/App",
			"environment": "aws://111111111111/eu-west-1", "properties": {"templateFile": "ProdApp.template.json"}}}}`,
		"assembly-Prod/ProdApp.template.json": app,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeLint is a cfn-lint stand-in: it records its arguments in args.log
// and prints, for each template it is given, the findings in the file of
// the same name with ".findings" appended (a JSON array with FILE where the
// template's path goes).
func fakeLint(t *testing.T) (bin, argsLog string) {
	t.Helper()
	dir := t.TempDir()
	argsLog = filepath.Join(dir, "args.log")
	bin = filepath.Join(dir, "cfn-lint")
	script := `#!/bin/sh
echo "$@" >> ` + argsLog + `
files=false; sep='['
for a in "$@"; do
  if [ "$a" = "--" ]; then files=true; continue; fi
  $files || continue
  if [ -f "$a.findings" ]; then printf '%s' "$sep"; sed "s|FILE|$a|g" "$a.findings"; sep=','; fi
done
[ "$sep" = '[' ] && printf '['
echo ']'
exit 6
`
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, argsLog
}

func finding(level, rule, path, message string) string {
	segs := `"` + strings.Join(strings.Split(path, "/"), `", "`) + `"`
	return `{"Filename": "FILE", "Level": "` + level + `", "Message": "` + message + `",
		"Location": {"Path": [` + segs + `], "Start": {"LineNumber": 7}}, "Rule": {"Id": "` + rule + `"}}`
}

func TestRunLintsEachTemplateInItsRegionAndAppliesExceptions(t *testing.T) {
	dir := writeAssembly(t, `{"Resources": {}}`, `{"Resources": {}}`)
	app := filepath.Join(dir, "assembly-Prod", "ProdApp.template.json")
	pipe := filepath.Join(dir, "Pipeline.template.json")
	os.WriteFile(app+".findings", []byte(finding("Error", "E1022", "Resources/Policy/Properties/Resource", "not of type string")+","+
		finding("Warning", "W3005", "Resources/Fn/DependsOn/0", "dependency already enforced")+","+
		finding("Warning", "W2001", "Parameters/Unused", "Parameter Unused not used")), 0o644)
	os.WriteFile(pipe+".findings", []byte(finding("Error", "E3703", "Resources/P/Properties/Stages/1/Actions/0/Configuration/RoleArn",
		"Prefer using Fn::Sub over Fn::Join with an empty delimiter")), 0o644)
	bin, argsLog := fakeLint(t)
	cfg := &Config{Exceptions: []Exception{
		{Rule: "E3703", Stacks: []string{"Pipeline"}, Path: "Resources/*/Properties/Stages/*/Actions/*/Configuration/RoleArn",
			Message: "Prefer using Fn::Sub", Reason: "a style hint under an error code"},
		{Rule: "W3005", Path: "Resources/*/DependsOn/*", Reason: "CDK's redundant DependsOn, harmless"},
		{Rule: "W3010", Stacks: []string{"*/Data"}, Reason: "zones named on purpose in the config"},
	}}
	rep, err := Run(context.Background(), bin, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}

	raw, _ := os.ReadFile(argsLog)
	calls := strings.Split(strings.TrimSpace(string(raw)), "\n")
	sort.Strings(calls)
	want := []string{"--format json --regions eu-west-1 -- " + app, "--format json --regions us-east-1 -- " + pipe}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("cfn-lint calls\n  %s\nwant\n  %s", strings.Join(calls, "\n  "), strings.Join(want, "\n  "))
	}

	errs := rep.Errors()
	if len(errs) != 1 || errs[0].Stack != "Prod/App" || errs[0].Rule != "E1022" || errs[0].Path != "Resources/Policy/Properties/Resource" || errs[0].Line != 7 {
		t.Errorf("errors = %+v, want the E1022 of Prod/App only (E3703 is excused)", errs)
	}
	if len(rep.Unused) != 1 || rep.Unused[0].Rule != "W3010" {
		t.Errorf("unused exceptions = %+v, want W3010's", rep.Unused)
	}
	if !rep.Failed() {
		t.Error("a report with an error and an unused exception passes")
	}
	var out bytes.Buffer
	rep.Write(&out, "cfn-lint 1.51.0", "exceptions.json")
	for _, line := range []string{
		"cfn-lint 1.51.0 on 2 templates (eu-west-1: 1, us-east-1: 1): 1 errors, 1 warnings, 0 informational without an exception; excused by exceptions.json: 1 errors, 1 warnings, 0 informational",
		"errors (each fails the check):\n  E1022 Prod/App Resources/Policy/Properties/Resource (line 7): not of type string",
		"warnings and notes without an exception (listed, they do not fail the check):\n  W2001 Prod/App Parameters/Unused (line 7): Parameter Unused not used",
		"  E3703 ×1 error in Pipeline, e.g. \"Prefer using Fn::Sub over Fn::Join with an empty delimiter\"\n    reason: a style hint under an error code",
		"  W3005 ×1 warning in Prod/App",
		"unused exception (it excuses nothing; remove it from exceptions.json): W3010",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, out.String())
		}
	}
}

// Warnings alone do not fail the check; an exception scoped to other
// stacks, paths or messages excuses nothing.
func TestWarningsDoNotFailAndExceptionsAreScoped(t *testing.T) {
	dir := writeAssembly(t, `{"Resources": {}}`, `{"Resources": {}}`)
	app := filepath.Join(dir, "assembly-Prod", "ProdApp.template.json")
	os.WriteFile(app+".findings", []byte(finding("Warning", "W3010", "Resources/Subnet/Properties/AvailabilityZone", "Avoid hardcoding")), 0o644)
	bin, _ := fakeLint(t)
	for _, c := range []struct {
		name   string
		e      Exception
		excuse bool
	}{
		{"matching stack", Exception{Rule: "W3010", Stacks: []string{"Prod/*"}}, true},
		{"other stack", Exception{Rule: "W3010", Stacks: []string{"*/Data"}}, false},
		{"other path", Exception{Rule: "W3010", Path: "Resources/*/DependsOn/*"}, false},
		{"other message", Exception{Rule: "W3010", Message: "something else"}, false},
		{"other rule", Exception{Rule: "W3005"}, false},
	} {
		c.e.Reason = "a reason of five words"
		rep, err := Run(context.Background(), bin, dir, &Config{Exceptions: []Exception{c.e}})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Findings[0].Exception != nil; got != c.excuse {
			t.Errorf("%s: excused %v, want %v", c.name, got, c.excuse)
		}
		if rep.Failed() == c.excuse || len(rep.Errors()) != 0 {
			t.Errorf("%s: failed %v with errors %v: only the unused exception may fail it", c.name, rep.Failed(), rep.Errors())
		}
	}
}

func TestRunNamesAToolThatGivesNoReport(t *testing.T) {
	dir := writeAssembly(t, `{}`, `{}`)
	bin := filepath.Join(t.TempDir(), "cfn-lint")
	os.WriteFile(bin, []byte("#!/bin/sh\necho 'Traceback: ModuleNotFoundError: No module named cfnlint' >&2\nexit 1\n"), 0o755)
	_, err := Run(context.Background(), bin, dir, &Config{})
	if err == nil || !strings.Contains(err.Error(), "no JSON report") || !strings.Contains(err.Error(), "No module named cfnlint") {
		t.Errorf("err = %v, want one quoting the tool's last line", err)
	}
}

func TestLoadConfigNamesEveryProblem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(file, []byte(`{"exceptions": [
		{"rule": "X1", "reason": "because it is fine here"},
		{"rule": "W3005", "reason": "cdk"},
		{"rule": "E3703", "stacks": ["[Pipeline"], "reason": "a style hint under an error code"}]}`), 0o644)
	_, err := LoadConfig(file)
	for _, want := range []string{`exceptions[0] (X1): rule "X1" is not a cfn-lint rule id`, "exceptions[1] (W3005): give the reason",
		`exceptions[2] (E3703): glob "[Pipeline"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to say %q", err, want)
		}
	}
	os.WriteFile(file, []byte(`{"exceptions": [{"rule": "W3005", "reson": "typo"}]}`), 0o644)
	if _, err := LoadConfig(file); err == nil || !strings.Contains(err.Error(), `unknown field "reson"`) {
		t.Errorf("err = %v, want the unknown field named", err)
	}
}

// The committed file loads: every exception has a rule and a reason.
func TestCommittedExceptionsLoad(t *testing.T) {
	cfg, err := LoadConfig("../../../test/cfn-lint.exceptions.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Exceptions) == 0 {
		t.Error("no exceptions: if cfn-lint found nothing to excuse, keep the file with an empty list")
	}
	if !strings.Contains(cfg.Comment, Version) {
		t.Errorf("the file's comment does not name cfn-lint %s, the version it was written for", Version)
	}
}

// The real cfn-lint finds issue 21's first finding in a template that has it
// (Fn::GetStackOutput inside Fn::Split: E1022), and the check fails on it.
// cfn-lint is a prerequisite of `make test` (README, Prerequisites).
func TestRealCfnLintCatchesAStackOutputInsideSplit(t *testing.T) {
	bin := Installed()
	if bin == "" {
		t.Fatalf("cfn-lint is not installed, a prerequisite of make test: pip install cfn-lint==%s (in a venv on Debian; .ci/run does it)", Version)
	}
	dir := writeAssembly(t, `{"Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
		"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rds-db:connect",
		"Resource": {"Fn::Join": ["", ["arn:aws:rds-db:eu-west-1:111111111111:dbuser:",
			{"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetStackOutput": {"StackName": "Data", "OutputName": "ProxyArn"}}]}]}, "/app"]]}}]}}}}}`,
		`{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}`)
	rep, err := Run(context.Background(), bin, dir, &Config{})
	if err != nil {
		t.Fatal(err)
	}
	errs := rep.Errors()
	if len(errs) != 1 || errs[0].Rule != "E1022" || errs[0].Stack != "Prod/App" || !strings.Contains(errs[0].Path, "Fn::Split") {
		t.Errorf("errors = %+v, want E1022 at the Fn::Split of Prod/App", errs)
	}
	if !rep.Failed() {
		t.Error("the check passes a template with an error")
	}
}
