package migrationcheck

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestTheShippedMigrationsMatchTheLock(t *testing.T) {
	lock, err := ReadLock("../../../" + LockFile)
	if err != nil {
		t.Fatal(err)
	}
	found, err := lock.Verify(os.DirFS("../../../" + MigrationsDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("%s does not match %s:\n%s", LockFile, MigrationsDir, Report(found))
	}
}

const items1 = "-- +goose Up\nCREATE TABLE items (id int);\n-- +goose Down\nDROP TABLE items;\n"

// A shipped migration that is edited fails with its readable line, and
// passes once re-recorded with a reason, which the lock keeps.
func TestAnEditedShippedMigration(t *testing.T) {
	dir := t.TempDir()
	lockFile := filepath.Join(dir, "migrations.lock.json")
	shipped := folder("00001_items.sql", items1)
	lock := &Lock{}
	if changed, err := lock.Record(shipped, "initial release"); err != nil || strings.Join(changed, ",") != "00001_items.sql: new" {
		t.Fatalf("Record = %q, %v", changed, err)
	}
	if err := lock.Write(lockFile); err != nil {
		t.Fatal(err)
	}

	edited := folder("00001_items.sql", strings.Replace(items1, "(id int)", "(id bigint)", 1))
	lock = mustRead(t, lockFile)
	got := verify(t, lock, edited)
	want := "00001_items.sql: edited-migration: 00001_items.sql was edited after it shipped (recorded sha256 "
	if len(got) != 1 || !strings.HasPrefix(got[0], want) ||
		!strings.HasSuffix(got[0], ": databases that ran it keep the old version and goose never runs it again: add a new migration instead (only if it never ran anywhere: re-record it with `make lock REASON=...`)") {
		t.Fatalf("Verify = %q, want one line starting %q", got, want)
	}

	if _, err := lock.Record(edited, "  "); err == nil {
		t.Fatal("Record without a reason succeeded")
	}
	changed, err := lock.Record(edited, "never deployed: bigint ids before the first release")
	if err != nil || strings.Join(changed, ",") != "00001_items.sql: edited, re-recorded" {
		t.Fatalf("Record = %q, %v", changed, err)
	}
	if err := lock.Write(lockFile); err != nil {
		t.Fatal(err)
	}
	lock = mustRead(t, lockFile)
	sameLines(t, verify(t, lock, edited), nil)
	if r := lock.Migrations[0].Reason; r != "never deployed: bigint ids before the first release" {
		t.Errorf("the lock keeps reason %q", r)
	}
	if changed, _ := lock.Record(edited, "nothing to do"); len(changed) != 0 {
		t.Errorf("a second Record changed %q", changed)
	}
}

func TestNewAndMissingMigrations(t *testing.T) {
	lock := &Lock{}
	if _, err := lock.Record(folder("00001_items.sql", items1, "00002_gone.sql", "-- +goose Up\nSELECT 1;\n"), "v1"); err != nil {
		t.Fatal(err)
	}
	now := folder("00001_items.sql", items1, "00003_new.sql", "-- +goose Up\nSELECT 2;\n", "notes.txt", "ignored")
	sameLines(t, verify(t, lock, now), []string{
		"00002_gone.sql: missing-migration: recorded as shipped in migrations.lock.json but no longer in the folder: databases that ran it keep its changes and goose's history names it: restore the file",
		"00003_new.sql: unrecorded-migration: not recorded in migrations.lock.json: record it in the change that ships it: `make lock REASON=...`, and review the diff",
	})
	changed, err := lock.Record(now, "v2")
	if err != nil || strings.Join(changed, ",") != "00002_gone.sql: removed,00003_new.sql: new" {
		t.Fatalf("Record = %q, %v", changed, err)
	}
	sameLines(t, verify(t, lock, now), nil)
}

// The lock lists migrations in version order (9 before 10) and its bytes
// depend only on its content: a re-record of the same state is no diff.
func TestLockFileIsStable(t *testing.T) {
	dir := t.TempDir()
	fsys := folder("10_b.sql", "-- +goose Up\nSELECT 1;\n", "9_a.sql", "-- +goose Up\nSELECT 2;\n")
	var files [2][]byte
	for i := range files {
		lock := &Lock{}
		if _, err := lock.Record(fsys, "r"); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "l.json")
		if err := lock.Write(name); err != nil {
			t.Fatal(err)
		}
		files[i], _ = os.ReadFile(name)
	}
	if string(files[0]) != string(files[1]) {
		t.Error("two writes of the same lock differ")
	}
	if a, b := strings.Index(string(files[0]), "9_a.sql"), strings.Index(string(files[0]), "10_b.sql"); a > b {
		t.Errorf("10_b.sql is listed before 9_a.sql:\n%s", files[0])
	}
}

// A Windows checkout (CRLF) is not an edit.
func TestCRLFIsNotAnEdit(t *testing.T) {
	lock := &Lock{}
	if _, err := lock.Record(folder("00001_items.sql", items1), "r"); err != nil {
		t.Fatal(err)
	}
	sameLines(t, verify(t, lock, folder("00001_items.sql", strings.ReplaceAll(items1, "\n", "\r\n"))), nil)
}

func TestReadLockRejectsABadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "l.json")
	if _, err := ReadLock(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing lock: %v, want fs.ErrNotExist", err)
	}
	bad := `{"comment": "", "migrations": [
	  {"file": "00001_a.sql", "sha256": "abc", "reason": "r"},
	  {"file": "00001_a.sql", "sha256": "` + strings.Repeat("0", 64) + `", "reason": " "},
	  {"file": "a.sql", "sha256": "` + strings.Repeat("0", 64) + `", "reason": "r"}]}`
	if err := os.WriteFile(name, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadLock(name)
	for _, want := range []string{`entry 0 (00001_a.sql): sha256 "abc" is not 64 hex digits`, "entry 1: 00001_a.sql is recorded twice",
		"entry 1 (00001_a.sql): no reason", `entry 2: file "a.sql"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadLock error %v does not say %q", err, want)
		}
	}
	if err := os.WriteFile(name, []byte(`{"migrations": [], "extra": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLock(name); err == nil || !strings.Contains(err.Error(), `unknown field "extra"`) {
		t.Errorf("an unknown field: %v", err)
	}
}

func mustRead(t *testing.T, name string) *Lock {
	t.Helper()
	l, err := ReadLock(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func verify(t *testing.T, l *Lock, fsys fstest.MapFS) []string {
	t.Helper()
	found, err := l.Verify(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.String()
	}
	return out
}
