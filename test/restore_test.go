package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/stacks"
)

// Database.Restore in Prod's config synthesizes a restored cluster beside
// the live one, which stays byte for byte as deployed; the stateful lock
// names the new cluster (and its writer's policies) and nothing else in the
// Data stack, so the change is reviewed (make lock REASON=…) before it can
// land; cdk-nag and the Validate plugin pass.
func TestRestoreIsANewClusterTheLockNames(t *testing.T) {
	ctx, err := refsynth.Context("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
	cfg := stacks.Prod()
	cfg.Database.Restore = stacks.DatabaseRestore{SnapshotArn: "arn:aws:rds:eu-west-1:" + testAccount + ":cluster-snapshot:awsbackup:job-0123"}
	stacks.NewStage(app, cfg, stacks.Options{Account: testAccount})
	nag.Check(app, nag.AwsSolutions, nag.Serverless)
	out := *app.Synth(nil).Directory()

	restored, err := statelock.ReadAssembly(out)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range readLock(t).Check(restored) {
		if s := p.String(); strings.HasPrefix(s, "Prod/Data ") {
			lines = append(lines, s)
		}
	}
	clusterNamed := false
	for _, l := range lines {
		clusterNamed = clusterNamed || strings.Contains(l, "(AWS::RDS::DBCluster) is not in the lock")
		if !strings.HasPrefix(l, "Prod/Data DatabaseRestored") {
			t.Errorf("the lock names %q, which is not the restored cluster's", l)
		}
	}
	if !clusterNamed {
		t.Errorf("the lock's lines on Prod/Data: %q, want the restored cluster, not yet locked", lines)
	}

	read := func(path string) map[string]map[string]any {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tpl struct{ Resources map[string]map[string]any }
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatal(err)
		}
		return tpl.Resources
	}
	golden := read("test/testdata/Prod/Data.template.json")
	matches, _ := filepath.Glob(filepath.Join(out, "assembly-Prod", "*Data*.template.json"))
	if len(matches) != 1 {
		t.Fatalf("Prod's Data template: %v", matches)
	}
	now := read(matches[0])
	var snapshot any
	for id, r := range now {
		if _, ok := golden[id]; !ok && r["Type"] == "AWS::RDS::DBCluster" {
			snapshot = r["Properties"].(map[string]any)["SnapshotIdentifier"]
		}
	}
	if snapshot != cfg.Database.Restore.SnapshotArn {
		t.Errorf("restored cluster's SnapshotIdentifier %v, want %s", snapshot, cfg.Database.Restore.SnapshotArn)
	}
	for id, r := range golden {
		if r["Type"] == "AWS::RDS::DBCluster" && !reflect.DeepEqual(r, now[id]) {
			t.Errorf("the live cluster %s changed", id)
		}
	}
}
