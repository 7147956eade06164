package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRecordsWithAReasonAndRefusesWithout(t *testing.T) {
	dir := t.TempDir()
	sqlDir, lockFile := filepath.Join(dir, "sql"), filepath.Join(dir, "lock.json")
	if err := os.Mkdir(sqlDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(sqlDir, "00001_items.sql"), "-- +goose Up\nCREATE TABLE items (id int);\n-- +goose Down\nDROP TABLE items;\n")
	args := []string{"-dir", sqlDir, "-lock", lockFile}

	if err := run(args, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "-reason is required") {
		t.Errorf("no reason: %v", err)
	}
	var out bytes.Buffer
	if err := run(append(args, "-reason", `release "1.0"`), &out); err != nil {
		t.Fatal(err)
	}
	if want := lockFile + ": 00001_items.sql: new\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	raw, _ := os.ReadFile(lockFile)
	if !strings.Contains(string(raw), `"reason": "release \"1.0\""`) {
		t.Errorf("the lock does not keep the reason:\n%s", raw)
	}

	// A migration that fails the check is not recorded.
	write(t, filepath.Join(sqlDir, "00002_drop.sql"), "-- +goose Up\nALTER TABLE items DROP COLUMN id;\n")
	err := run(append(args, "-reason", "release 1.1"), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "00002_drop.sql:2: drop-column: ALTER TABLE items DROP COLUMN id: the column's data is lost") {
		t.Errorf("a failing migration: %v", err)
	}
	if again, _ := os.ReadFile(lockFile); !bytes.Equal(again, raw) {
		t.Error("the lock changed although the check failed")
	}
}
