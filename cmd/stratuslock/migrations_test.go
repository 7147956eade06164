package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRecordsMigrationsWithTheReasonUnlessTheCheckFails(t *testing.T) {
	dir := t.TempDir()
	sqlDir, lockFile := filepath.Join(dir, "sql"), filepath.Join(dir, "lock.json")
	if err := os.Mkdir(sqlDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(sqlDir, "00001_items.sql"), "-- +goose Up\nCREATE TABLE items (id int);\n-- +goose Down\nDROP TABLE items;\n")

	changed, err := recordMigrationsIn(sqlDir, lockFile, `release "1.0"`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"00001_items.sql: new"}; !slices.Equal(changed, want) {
		t.Errorf("changes %q, want %q", changed, want)
	}
	raw, _ := os.ReadFile(lockFile)
	if !strings.Contains(string(raw), `"reason": "release \"1.0\""`) {
		t.Errorf("the lock does not keep the reason:\n%s", raw)
	}
	if changed, err := recordMigrationsIn(sqlDir, lockFile, "again"); err != nil || len(changed) != 0 {
		t.Errorf("an up-to-date lock: changes %q, %v", changed, err)
	}

	// A migration that fails the check is not recorded.
	write(t, filepath.Join(sqlDir, "00002_drop.sql"), "-- +goose Up\nALTER TABLE items DROP COLUMN id;\n")
	_, err = recordMigrationsIn(sqlDir, lockFile, "release 1.1")
	if err == nil || !strings.Contains(err.Error(), "00002_drop.sql:2: drop-column: ALTER TABLE items DROP COLUMN id: the column's data is lost") {
		t.Errorf("a failing migration: %v", err)
	}
	if again, _ := os.ReadFile(lockFile); !bytes.Equal(again, raw) {
		t.Error("the lock changed although the check failed")
	}
}
