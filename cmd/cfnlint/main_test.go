package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Without cfn-lint on the PATH the step fails before reading anything (the
// assembly and the exceptions file here do not exist): a lint that did not
// run must not pass.
func TestMissingCfnLintFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if code := run(context.Background(), "no-such-assembly", "no-such-file.json"); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// With cfn-lint, a broken exceptions file fails the step before linting.
func TestBadExceptionsFileFails(t *testing.T) {
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "cfn-lint"), []byte("#!/bin/sh\necho 'cfn-lint 1.51.0'\n"), 0o755)
	t.Setenv("PATH", bin)
	file := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(file, []byte(`{"exceptions": [{"rule": "W3005"}]}`), 0o644)
	if code := run(context.Background(), "no-such-assembly", file); code != 1 {
		t.Errorf("exit %d, want 1 for an exception without a reason", code)
	}
}
