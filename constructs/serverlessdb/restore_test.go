package serverlessdb_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// clusters are the stack's AWS::RDS::DBCluster resources by logical id.
func clusters(t *testing.T, stack awscdk.Stack) map[string]map[string]any {
	t.Helper()
	var out map[string]map[string]any
	b, _ := json.Marshal(assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::RDS::DBCluster"), nil))
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The restored cluster sits beside the live one, unchanged: the same
// security group, key, engine version and port, and passes cdk-nag.
func TestRestoreFromSnapshotBesideTheLiveCluster(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Restore"), nil)
	nag.Check(stack, nag.AwsSolutions, nag.Serverless)
	db := serverlessdb.New(stack, "Db", nil)
	db.Restore("Restored", &serverlessdb.RestoreProps{
		SnapshotArn: jsii.String("arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:awsbackup:job-1234"),
	})
	all := clusters(t, stack)
	if len(all) != 2 {
		t.Fatalf("%d clusters, want the live one and the restored one", len(all))
	}
	var live, restored map[string]any
	for id, c := range all {
		if strings.HasPrefix(id, "DbRestored") {
			restored = c["Properties"].(map[string]any)
		} else {
			live = c["Properties"].(map[string]any)
		}
	}
	if restored == nil || restored["SnapshotIdentifier"] != "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:awsbackup:job-1234" {
		t.Fatalf("no cluster restored from the snapshot: %v", restored)
	}
	for _, p := range []string{"VpcSecurityGroupIds", "KmsKeyId", "EngineVersion", "Port", "StorageEncrypted", "EnableIAMDatabaseAuthentication", "ServerlessV2ScalingConfiguration"} {
		if g, w := jsonOf(restored[p]), jsonOf(live[p]); g != w {
			t.Errorf("%s: restored %s, live %s", p, g, w)
		}
	}
	for _, e := range cdktest.NagErrors(stack) {
		t.Error(e)
	}
}

// A point in time restores from the source cluster's continuous backup.
func TestRestoreToAPointInTime(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Restore"), nil)
	db := serverlessdb.New(stack, "Db", nil)
	db.Restore("Restored", &serverlessdb.RestoreProps{
		SourceClusterIdentifier: jsii.String("prod-data-databasecluster"), RestoreTime: jsii.String("2026-12-07T09:30:00Z"),
	})
	for id, c := range clusters(t, stack) {
		if !strings.HasPrefix(id, "DbRestored") {
			continue
		}
		p := c["Properties"].(map[string]any)
		if p["SnapshotIdentifier"] != nil || p["SourceDBClusterIdentifier"] != "prod-data-databasecluster" ||
			p["RestoreToTime"] != "2026-12-07T09:30:00Z" || p["RestoreType"] != "full-copy" {
			t.Errorf("point-in-time restore: %s", jsonOf(p))
		}
		return
	}
	t.Fatal("no restored cluster")
}

// Each bad RestoreProps is named in one panic.
func TestRestoreNamesEveryProblem(t *testing.T) {
	for name, c := range map[string]struct {
		p    *serverlessdb.RestoreProps
		want string
	}{
		"nothing": {nil, "give a snapshot, or SourceClusterIdentifier and RestoreTime"},
		"both": {&serverlessdb.RestoreProps{SnapshotArn: jsii.String("arn:aws:rds:eu-west-1:1:cluster-snapshot:x"), RestoreTime: jsii.String("2026-12-07T09:30:00Z")},
			"one of the two"},
		"time only":  {&serverlessdb.RestoreProps{RestoreTime: jsii.String("2026-12-07T09:30:00Z")}, "needs both SourceClusterIdentifier and RestoreTime"},
		"local time": {&serverlessdb.RestoreProps{SourceClusterIdentifier: jsii.String("c"), RestoreTime: jsii.String("2026-12-07T10:30:00+01:00")}, "RFC 3339 time in UTC"},
	} {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Restore"), nil)
			db := serverlessdb.New(stack, "Db", nil)
			msg := cdktest.Recover(func() { db.Restore("Restored", c.p) })
			if !strings.Contains(msg, "serverlessdb.Restore") || !strings.Contains(msg, c.want) {
				t.Errorf("got %q, want %q", msg, c.want)
			}
		})
	}
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }
