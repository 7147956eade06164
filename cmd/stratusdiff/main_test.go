package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
)

// assemblyOf writes a cloud assembly with one top-level stack, Pipeline.
func assemblyOf(t *testing.T, resources string) string {
	t.Helper()
	dir := t.TempDir()
	manifest := `{"artifacts": {"Pipeline": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Pipeline.template.json"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pipeline.template.json"), []byte(`{"Resources": `+resources+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStatefulSinceRefWithTheLocksReasons(t *testing.T) {
	ref := assemblyOf(t, `{"Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
	  "Db": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot", "Properties": {"DatabaseName": "a"}}}`)
	here := assemblyOf(t, `{"Db": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot", "Properties": {"DatabaseName": "b"}}}`)
	refStacks, err := statelock.ReadAssembly(ref)
	if err != nil {
		t.Fatal(err)
	}
	hereStacks, err := statelock.ReadAssembly(here)
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := statelock.New("Pipeline").Relock(refStacks, "initial", "2026-01-01")
	if err != nil {
		t.Fatal(err)
	}

	// Not acknowledged: the lock is still the ref's.
	var out strings.Builder
	n, err := stateful(&out, "main", old, "lock.json", ref, here)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || strings.Count(out.String(), "NOT acknowledged in lock.json") != 2 || !strings.Contains(out.String(),
		"  VIOLATION Pipeline Db would be REPLACED (DatabaseName changed): all data lost; UpdateReplacePolicy Snapshot keeps a final snapshot\n") {
		t.Errorf("%d violations:\n%s", n, out.String())
	}

	// Acknowledged with make lock: the report names the reason.
	acked, _, err := old.Relock(hereStacks, "the database is renamed on purpose", "2026-01-02")
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	n, err = stateful(&out, "main", acked, "lock.json", ref, here)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"  Pipeline Bucket (AWS::S3::Bucket) REMOVED or renamed: CloudFormation orphans it (DeletionPolicy Retain) and a new one under another id starts empty\n" +
			"      acknowledged in lock.json: \"the database is renamed on purpose\"\n",
		"  Pipeline Db would be REPLACED (DatabaseName changed): all data lost; UpdateReplacePolicy Snapshot keeps a final snapshot\n" +
			"      acknowledged in lock.json: \"the database is renamed on purpose\"\n",
		"stateful-lock violations (lock.json):\n  none\n",
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, out.String())
		}
	}
	if n != 0 {
		t.Errorf("%d violations after make lock", n)
	}
}
