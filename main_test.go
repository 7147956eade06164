package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runMainEnv makes the test binary run main instead of the tests: the app
// is then the very binary `cdk synth` runs, started as the CLI starts it.
const runMainEnv = "STRATUS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// A bad setting or configuration is the user's, not a bug: the app prints
// every problem, one line each, with no Go stack trace, and exits 2 before
// it builds anything.
func TestBadConfigExitsTwoListingEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]string
		want    []string
	}{{
		name:    "settings",
		context: map[string]string{"stage": "dev", "alarmEmail": "oncall", "domain": "app.example.com"},
		want: []string{
			`stage "dev" is not a stage of the app`,
			`alarmEmail "oncall" is not an email address`,
			`domain "app.example.com" and hostedZoneId "" go together`,
		},
	}, {
		name:    "preview",
		context: map[string]string{"preview": "--", "previewCreated": "yesterday"},
		want: []string{
			`preview "--" has no letter or digit`,
			`previewCreated "yesterday" is not a date`,
		},
	}, {
		name:    "region",
		context: map[string]string{"region": "ap-nowhere-9"},
		want: []string{
			`region "ap-nowhere-9" is not a region the app knows`,
		},
	}, {
		name: "accounts and regions",
		context: map[string]string{"pipelineAccount": "1111", "devAccount": "222222222222", "stagingAccount": "33333333333a",
			"prodAccount": "444444444444", "prodRegion": "eu-centrall-1", "devRegion": "EU-WEST-1"},
		want: []string{
			`pipelineAccount "1111" is not an AWS account id (12 digits)`,
			`stagingAccount "33333333333a" is not an AWS account id (12 digits)`,
			`prodRegion "eu-centrall-1" is not a region the app knows`,
			`devRegion "EU-WEST-1" is not a region the app knows`,
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, err := json.Marshal(tc.context)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			// As the CDK CLI passes `-c key=value` and the output folder.
			cmd.Env = append(os.Environ(), runMainEnv+"=1", "CDK_CONTEXT_JSON="+string(ctx), "CDK_OUTDIR="+t.TempDir(),
				// As the Makefile sets them: jsii's Node end-of-life banner
				// would otherwise come first on stderr.
				"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err = cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("the app with context %s: %v, want exit code 2; stderr:\n%s", ctx, err, &stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if lines[0] != "stratus: invalid configuration:" || strings.Contains(stderr.String(), "goroutine") {
				t.Errorf("stderr does not start with the heading, or has a stack trace:\n%s", &stderr)
			}
			for _, want := range tc.want {
				n := 0
				for _, line := range lines {
					if strings.HasPrefix(line, "  - ") && strings.Contains(line, want) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("stderr lists %q on %d lines, want one:\n%s", want, n, &stderr)
				}
			}
			if got := len(lines) - 1; got != len(tc.want) {
				t.Errorf("stderr lists %d problems, want %d:\n%s", got, len(tc.want), &stderr)
			}
		})
	}
}
