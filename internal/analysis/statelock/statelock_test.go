package statelock

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnspec"
)

// stack parses a template given as its Resources object.
func stack(t *testing.T, id, resources string) Stack {
	t.Helper()
	tpl, err := cfnspec.ParseTemplate([]byte(`{"Resources": ` + resources + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return Stack{ID: id, Template: tpl}
}

const prodData = `{
  "Cluster": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
    "Properties": {"DatabaseName": "app", "Engine": "aurora-postgresql", "BackupRetentionPeriod": 30,
      "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
  "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {"EnableKeyRotation": true}},
  "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "not-stateful"}}
}`

func lines(ps []Problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func locked(t *testing.T, stacks ...Stack) *Lock {
	t.Helper()
	l, _, err := New("Prod").Relock(stacks, "initial lock", "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestEntriesRecordStatefulResourcesOnly(t *testing.T) {
	got := Entries([]Stack{stack(t, "Prod/Data", prodData)})["Prod/Data"]
	if len(got) != 2 || got["Role"] != nil {
		t.Fatalf("want the cluster and the key only, got %v", got)
	}
	c := got["Cluster"]
	if c.DeletionPolicy != "Snapshot" || c.UpdateReplacePolicy != "Snapshot" {
		t.Errorf("policies: %+v", c)
	}
	want := map[string]string{"DatabaseName": `"app"`, "Engine": `"aurora-postgresql"`, "KmsKeyId": `{"Fn::GetAtt":["Key","Arn"]}`}
	if len(c.CreateOnly) != len(want) {
		t.Errorf("create-only values %v, want %v (BackupRetentionPeriod updates in place)", c.CreateOnly, want)
	}
	for k, v := range want {
		if cfnspec.Canonical(c.CreateOnly[k]) != v {
			t.Errorf("CreateOnly[%s] = %s, want %s", k, cfnspec.Canonical(c.CreateOnly[k]), v)
		}
	}
}

func TestUnchangedAppPassesAfterAWriteAndRead(t *testing.T) {
	app := []Stack{stack(t, "Prod/Data", prodData)}
	path := filepath.Join(t.TempDir(), "lock.json")
	if err := locked(t, app...).Write(path); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if ps := l.Check(app); len(ps) > 0 {
		t.Errorf("unchanged app: %v", lines(ps))
	}
	again, changes, err := l.Relock(app, "nothing to do", "2026-02-02")
	if err != nil || again != l || changes != nil {
		t.Errorf("relock without changes: %v %v %v", again == l, changes, err)
	}
}

func TestRelockNeedsAReason(t *testing.T) {
	_, _, err := New("Prod").Relock(nil, "  ", "2026-01-01")
	if err == nil || !strings.Contains(err.Error(), "REASON") {
		t.Errorf("want an error asking for REASON, got %v", err)
	}
}

func TestProblemsAndTheirLines(t *testing.T) {
	l := locked(t, stack(t, "Prod/Data", prodData), stack(t, "Dev/Data", prodData))
	changed := strings.NewReplacer(`"DatabaseName": "app"`, `"DatabaseName": "app2"`,
		`"Engine": "aurora-postgresql"`, `"Engine": "aurora-mysql"`).Replace(prodData)
	renamedKey := strings.Replace(changed, `"Key": {`, `"NewKey": {`, 1)
	dev := strings.NewReplacer(`"DeletionPolicy": "Snapshot"`, `"DeletionPolicy": "Delete"`,
		`"Cluster"`, `"Cluster"`).Replace(prodData)
	extra := strings.Replace(dev, `"Role":`, `"Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}, "Role":`, 1)
	got := lines(l.Check([]Stack{stack(t, "Prod/Data", renamedKey), stack(t, "Dev/Data", extra)}))
	want := []string{
		"Dev/Data Cluster (AWS::RDS::DBCluster) changed DeletionPolicy Snapshot → Delete: the lock does not record it yet; " + relock,
		"Dev/Data Queue (AWS::SQS::Queue) is not in the lock: nothing guards it yet; " + relock,
		"Prod/Data Cluster would be REPLACED (DatabaseName, Engine changed): all data lost; UpdateReplacePolicy Snapshot keeps a final snapshot",
		"Prod/Data Key (AWS::KMS::Key) REMOVED or renamed (new logical id NewKey?): CloudFormation orphans it (DeletionPolicy Retain) and a new one under another id starts empty",
		"Prod/Data NewKey (AWS::KMS::Key) is not in the lock: nothing guards it yet; " + relock,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestMaybeIsReportedAsAPossibleReplacement(t *testing.T) {
	l := locked(t, stack(t, "Prod/Data", prodData))
	got := lines(l.Check([]Stack{stack(t, "Prod/Data", strings.Replace(prodData, "aurora-postgresql", "aurora-mysql", 1))}))
	if len(got) != 1 || !strings.Contains(got[0], "Prod/Data Cluster may be REPLACED (Engine changed): all data lost") {
		t.Errorf("got %v", got)
	}
}

func TestProtectedStageNeedsRetainOrAnException(t *testing.T) {
	unretained := strings.Replace(prodData, `"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"`, `"UpdateReplacePolicy": "Retain"`, 1)
	app := []Stack{stack(t, "Prod/Data", unretained), stack(t, "Staging/Data", unretained)}
	l := locked(t, stack(t, "Prod/Data", prodData), stack(t, "Staging/Data", unretained))
	want := "Prod/Data Key (AWS::KMS::Key) has DeletionPolicy Delete and UpdateReplacePolicy Retain: a stack deletion or a replacement would leave everything encrypted under the key unreadable once the key is deleted; Prod needs Retain or Snapshot, or an exception with a reason (make lock REASON=\"…\")"
	if got := lines(l.Check(app)); !reflect.DeepEqual(got, []string{want}) {
		t.Fatalf("got %v, want only the Prod key (Staging is not protected)", got)
	}
	l2, changes, err := l.Relock(app, "the key is recreated by the restore runbook", "2026-03-03")
	if err != nil {
		t.Fatal(err)
	}
	if ps := l2.Check(app); len(ps) > 0 {
		t.Errorf("after make lock: %v", lines(ps))
	}
	e := l2.Stacks["Prod/Data"]["Key"]
	if e.PolicyException != "the key is recreated by the restore runbook" || e.Reason != e.PolicyException {
		t.Errorf("entry %+v", e)
	}
	if l2.Stacks["Staging/Data"]["Key"].PolicyException != "" {
		t.Error("an unprotected stage got a policy exception")
	}
	wantChanges := []string{"Prod/Data Key (AWS::KMS::Key) DeletionPolicy Retain → Delete"}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes %v, want %v", changes, wantChanges)
	}
	last := l2.History[len(l2.History)-1]
	if last.Reason != "the key is recreated by the restore runbook" || last.Date != "2026-03-03" || !reflect.DeepEqual(last.Changes, wantChanges) {
		t.Errorf("history %+v", last)
	}
	// The exception holds for those policies only.
	worse := strings.Replace(unretained, `"UpdateReplacePolicy": "Retain", "Properties": {"EnableKeyRotation"`, `"UpdateReplacePolicy": "Delete", "Properties": {"EnableKeyRotation"`, 1)
	if got := lines(l2.Check([]Stack{stack(t, "Prod/Data", worse), app[1]})); len(got) != 1 || !strings.Contains(got[0], "UpdateReplacePolicy Delete: a stack deletion") {
		t.Errorf("a further policy change: %v", got)
	}
}

func TestRelockKeepsReasonsOfUnchangedEntriesAndTrimsHistory(t *testing.T) {
	l := locked(t, stack(t, "Prod/Data", prodData))
	for i := 0; i < MaxHistory+3; i++ {
		app := []Stack{stack(t, "Prod/Data", strings.Replace(prodData, `"app"`, fmt.Sprintf(`"app%d"`, i), 1))}
		next, changes, err := l.Relock(app, fmt.Sprintf("rename %d", i), "2026-04-04")
		if err != nil || len(changes) != 1 {
			t.Fatalf("relock %d: %v %v", i, changes, err)
		}
		l = next
	}
	if got := l.Stacks["Prod/Data"]["Key"].Reason; got != "initial lock" {
		t.Errorf("unchanged key's reason %q, want the initial one", got)
	}
	if got := l.Stacks["Prod/Data"]["Cluster"].Reason; got != fmt.Sprintf("rename %d", MaxHistory+2) {
		t.Errorf("cluster's reason %q", got)
	}
	if len(l.History) != MaxHistory || l.History[0].Reason != "rename 3" {
		t.Errorf("history has %d entries, first %q", len(l.History), l.History[0].Reason)
	}
}

func TestARemovedStackIsReported(t *testing.T) {
	l := locked(t, stack(t, "Prod/Data", prodData))
	got := lines(l.Check(nil))
	want := []string{
		"Prod/Data Cluster (AWS::RDS::DBCluster) REMOVED or renamed: all data lost; DeletionPolicy Snapshot keeps a final snapshot, a new one under another id starts empty",
		"Prod/Data Key (AWS::KMS::Key) REMOVED or renamed: CloudFormation orphans it (DeletionPolicy Retain) and a new one under another id starts empty",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}
