package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
	"github.com/stratus-cdk/stratus/stacks"
)

// appStacks reads the synthesized app afresh: tests may change it.
func appStacks(t *testing.T) []statelock.Stack {
	t.Helper()
	s, err := statelock.ReadAssembly(assemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readLock(t *testing.T) *statelock.Lock {
	t.Helper()
	l, err := statelock.ReadLock(statelock.DefaultPath)
	if err != nil {
		t.Fatalf("%v (make lock REASON=\"…\" writes it)", err)
	}
	return l
}

// The app matches its stateful-resource lock: no stateful resource removed
// or renamed, no create-only property changed, Prod's data retained.
func TestStatefulLock(t *testing.T) {
	for _, p := range readLock(t).Check(appStacks(t)) {
		t.Error(p)
	}
}

// The lock protects exactly the stages whose Config says Production, and
// the synth settings of make lock and make diff are those of this package.
func TestLockSettingsMatchTheApp(t *testing.T) {
	var production []string
	for _, c := range []stacks.Config{stacks.Dev(), stacks.Staging(), stacks.Prod()} {
		if c.Production {
			production = append(production, c.Name)
		}
	}
	if got := readLock(t).Protected; !reflect.DeepEqual(got, production) {
		t.Errorf("the lock protects %v, the production stages are %v", got, production)
	}
	if testAccount != refsynth.Account || stacks.DefaultRegion != refsynth.Region {
		t.Errorf("refsynth synthesizes %s/%s, this package %s/%s", refsynth.Account, refsynth.Region, testAccount, stacks.DefaultRegion)
	}
}

// find returns the stack with the id and the logical id of its resource
// of the type whose logical id starts with prefix.
func find(t *testing.T, app []statelock.Stack, stack, typ, prefix string) (*cfnspec.Template, string) {
	t.Helper()
	for _, s := range app {
		if s.ID != stack {
			continue
		}
		for id, r := range s.Template.Resources {
			if r.Type == typ && strings.HasPrefix(id, prefix) {
				return s.Template, id
			}
		}
	}
	t.Fatalf("%s has no %s %s…", stack, typ, prefix)
	return nil, ""
}

// Each accident fails the check with its readable line, and passes once
// `make lock` records it with a reason.
func TestLockCatchesAccidents(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, app []statelock.Stack)
		want   []string
	}{{
		name: "a renamed database construct",
		change: func(t *testing.T, app []statelock.Stack) {
			// What renaming the serverlessdb construct "Database" to
			// "Aurora" does to the cluster: a new logical id.
			tpl, id := find(t, app, "Prod/Data", "AWS::RDS::DBCluster", "DatabaseCluster")
			tpl.Resources["AuroraCluster1B2C3D4E"] = tpl.Resources[id]
			delete(tpl.Resources, id)
		},
		want: []string{`Prod/Data AuroraCluster1B2C3D4E (AWS::RDS::DBCluster) is not in the lock: nothing guards it yet; if intended, run make lock REASON="…"`,
			"Prod/Data DatabaseCluster5B53A178 (AWS::RDS::DBCluster) REMOVED or renamed (new logical id AuroraCluster1B2C3D4E?): all data lost; DeletionPolicy Snapshot keeps a final snapshot, a new one under another id starts empty"},
	}, {
		name: "a changed DatabaseName",
		change: func(t *testing.T, app []statelock.Stack) {
			tpl, id := find(t, app, "Prod/Data", "AWS::RDS::DBCluster", "DatabaseCluster")
			tpl.Resources[id].Properties["DatabaseName"] = "stratus"
		},
		want: []string{"Prod/Data DatabaseCluster5B53A178 would be REPLACED (DatabaseName changed): all data lost; UpdateReplacePolicy Snapshot keeps a final snapshot"},
	}, {
		name: "a bucket removed from Prod",
		change: func(t *testing.T, app []statelock.Stack) {
			tpl, id := find(t, app, "Prod/App", "AWS::S3::Bucket", "Uploads4F6EB0FD")
			delete(tpl.Resources, id)
		},
		want: []string{"Prod/App Uploads4F6EB0FD (AWS::S3::Bucket) REMOVED or renamed: CloudFormation orphans it (DeletionPolicy Retain) and a new one under another id starts empty"},
	}, {
		name: "Prod's cluster losing its Snapshot policy",
		change: func(t *testing.T, app []statelock.Stack) {
			tpl, id := find(t, app, "Prod/Data", "AWS::RDS::DBCluster", "DatabaseCluster")
			r := tpl.Resources[id]
			r.DeletionPolicy, r.UpdateReplacePolicy = "", "Delete"
			tpl.Resources[id] = r
		},
		want: []string{`Prod/Data DatabaseCluster5B53A178 (AWS::RDS::DBCluster) has DeletionPolicy Delete and UpdateReplacePolicy Delete: a stack deletion or a replacement would leave all data lost; Prod needs Retain or Snapshot, or an exception with a reason (make lock REASON="…")`},
	}}
	lock := readLock(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := appStacks(t)
			c.change(t, app)
			var got []string
			for _, p := range lock.Check(app) {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			reason := "test: " + c.name + " on purpose"
			relocked, changes, err := lock.Relock(app, reason, "2026-01-01")
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) == 0 {
				t.Fatal("make lock recorded no change")
			}
			if ps := relocked.Check(app); len(ps) > 0 {
				t.Errorf("after make lock: %v", ps)
			}
			if last := relocked.History[len(relocked.History)-1]; last.Reason != reason || !slices.Equal(last.Changes, changes) {
				t.Errorf("history %+v", last)
			}
			// Every entry make lock changed carries the reason.
			for stack, entries := range relocked.Stacks {
				for id, e := range entries {
					if old := lock.Stacks[stack][id]; old == nil || !reflect.DeepEqual(*old, *e) {
						if e.Reason != reason {
							t.Errorf("%s %s changed but carries reason %q", stack, id, e.Reason)
						}
					}
				}
			}
		})
	}
}

// The pipeline's synth step runs the lock check: its build runs `make
// test` before `make synth`, and `make test` runs `go test ./...`, which
// holds TestStatefulLock. A failing check stops the pipeline before any
// stage deploys.
func TestPipelineSynthRunsTheLockCheck(t *testing.T) {
	var commands []string
	for _, s := range appStacks(t) {
		if s.ID != "Pipeline" {
			continue
		}
		for id, r := range s.Template.Resources {
			if r.Type != "AWS::CodeBuild::Project" || !strings.Contains(id, "Synth") {
				continue
			}
			spec, _ := r.Properties["Source"].(map[string]any)["BuildSpec"].(string)
			var parsed struct {
				Phases struct {
					Build struct{ Commands []string }
				}
			}
			if err := json.Unmarshal([]byte(spec), &parsed); err != nil {
				t.Fatalf("%s: build spec: %v", id, err)
			}
			commands = parsed.Phases.Build.Commands
		}
	}
	test, synth := slices.Index(commands, "make test"), slices.Index(commands, "make synth")
	if test < 0 || synth < test {
		t.Errorf("the pipeline's synth step runs %q: want make test before make synth", commands)
	}
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile(`(?m)^test:.*\n((?:\t.*\n)+)`).FindSubmatch(makefile)
	if recipe == nil || !runsThisPackage(t, recipe[1]) {
		t.Errorf("make test no longer runs this package's tests (and with them TestStatefulLock):\n%s", recipe)
	}
}

// runsThisPackage reports whether a make recipe runs `go test` on this
// package: over ./..., or over the jsii packages that cmd/flaky lists,
// which it asks cmd/flaky for.
func runsThisPackage(t *testing.T, recipe []byte) bool {
	t.Helper()
	if regexp.MustCompile(`\$\(GO\) test .*\./\.\.\.`).Match(recipe) {
		return true
	}
	if !regexp.MustCompile(`\$\(GO\) test .*\$\$\(\$\(GO\) run \./cmd/flaky -list -jsii\)`).Match(recipe) {
		return false
	}
	out, err := exec.Command("go", "run", "./cmd/flaky", "-list", "-jsii").Output()
	if err != nil {
		t.Fatalf("go run ./cmd/flaky -list -jsii: %v", err)
	}
	return slices.Contains(strings.Fields(string(out)), "github.com/stratus-cdk/stratus/test")
}
