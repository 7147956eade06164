package migrationcheck

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/google/renameio/v2"
	"github.com/pressly/goose/v3"
)

// Where this repository keeps its migrations and their lock, relative to the
// repository root.
const (
	MigrationsDir = "lambdas/internal/app/schema/sql"
	LockFile      = "test/migrations.lock.json"
)

const lockComment = "Shipped goose migrations and their SHA-256 (CRLF read as LF). A shipped migration is never edited: " +
	"databases that ran it keep the old version. Written by `make lock REASON=...`; each entry says why its checksum was recorded."

// Lock is the shipped-migration lock: every migration's checksum, with the
// reason it was recorded.
type Lock struct {
	Comment    string      `json:"comment"`
	Migrations []LockEntry `json:"migrations"`

	name string // the file's base name, for messages
}

// LockEntry is one recorded migration.
type LockEntry struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	Reason string `json:"reason"`
}

// ReadLock reads a lock file and checks its entries. A missing file is an
// error that wraps fs.ErrNotExist (start from &Lock{} to record the first).
func ReadLock(file string) (*Lock, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("migrationcheck: read lock: %w", err)
	}
	l := &Lock{name: path.Base(file)}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(l); err != nil {
		return nil, fmt.Errorf("migrationcheck: %s: %w", file, err)
	}
	var problems []string
	seen := map[string]bool{}
	for i, e := range l.Migrations {
		if _, err := goose.NumericComponent(e.File); err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: file %q: %v", i, e.File, err))
		}
		if seen[e.File] {
			problems = append(problems, fmt.Sprintf("entry %d: %s is recorded twice", i, e.File))
		}
		seen[e.File] = true
		if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != sha256.Size {
			problems = append(problems, fmt.Sprintf("entry %d (%s): sha256 %q is not 64 hex digits", i, e.File, e.SHA256))
		}
		if strings.TrimSpace(e.Reason) == "" {
			problems = append(problems, fmt.Sprintf("entry %d (%s): no reason", i, e.File))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("migrationcheck: %s: %s", file, strings.Join(problems, "; "))
	}
	return l, nil
}

// Verify compares the migrations in fsys with the lock: every migration is
// recorded, none changed since it was recorded, none recorded is gone.
func (l *Lock) Verify(fsys fs.FS) ([]Finding, error) {
	sums, err := checksums(fsys)
	if err != nil {
		return nil, err
	}
	name := l.name
	if name == "" {
		name = path.Base(LockFile)
	}
	var out []Finding
	recorded := map[string]LockEntry{}
	for _, e := range l.Migrations {
		recorded[e.File] = e
		sum, ok := sums[e.File]
		switch {
		case !ok:
			out = append(out, Finding{File: e.File, Rule: RuleMissing, What: "recorded as shipped in " + name + " but no longer in the folder",
				Consequence: "databases that ran it keep its changes and goose's history names it: restore the file"})
		case sum != e.SHA256:
			out = append(out, Finding{File: e.File, Rule: RuleEdited,
				What: fmt.Sprintf("%s was edited after it shipped (recorded sha256 %.12s…, now %.12s…)", e.File, e.SHA256, sum),
				Consequence: "databases that ran it keep the old version and goose never runs it again: add a new migration instead " +
					"(only if it never ran anywhere: re-record it with `make lock REASON=...`)"})
		}
	}
	for file := range sums {
		if _, ok := recorded[file]; !ok {
			out = append(out, Finding{File: file, Rule: RuleUnrecorded, What: "not recorded in " + name,
				Consequence: "record it in the change that ships it: `make lock REASON=...`, and review the diff"})
		}
	}
	sortFindings(out)
	return out, nil
}

// Record brings the lock in line with fsys: new migrations are added and
// edited ones re-recorded, each with reason; entries whose file is gone are
// removed. It returns one line per change ("00002_notes.sql: new"), none
// when the lock already matched. Recording requires a reason, which the
// lock keeps next to the checksum.
func (l *Lock) Record(fsys fs.FS, reason string) ([]string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errors.New("migrationcheck: recording migrations needs a reason (why they ship, or why a shipped one may change)")
	}
	sums, err := checksums(fsys)
	if err != nil {
		return nil, err
	}
	var changed []string
	kept := l.Migrations[:0]
	seen := map[string]bool{}
	for _, e := range l.Migrations {
		sum, ok := sums[e.File]
		if !ok {
			changed = append(changed, e.File+": removed")
			continue
		}
		seen[e.File] = true
		if sum != e.SHA256 {
			changed = append(changed, e.File+": edited, re-recorded")
			e.SHA256, e.Reason = sum, reason
		}
		kept = append(kept, e)
	}
	for file, sum := range sums {
		if !seen[file] {
			changed = append(changed, file+": new")
			kept = append(kept, LockEntry{File: file, SHA256: sum, Reason: reason})
		}
	}
	sort.Slice(kept, func(i, j int) bool { return versionOf(kept[i].File) < versionOf(kept[j].File) })
	sort.Strings(changed)
	l.Migrations = kept
	return changed, nil
}

// Write saves the lock atomically: a reader never sees half a file.
func (l *Lock) Write(file string) error {
	l.Comment = lockComment
	if l.Migrations == nil {
		l.Migrations = []LockEntry{}
	}
	raw, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(file, append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("migrationcheck: write lock: %w", err)
	}
	l.name = path.Base(file)
	return nil
}

// checksums is the SHA-256 of every migration goose would run, by file
// name. CRLF is read as LF, so a Windows checkout is not an edit.
func checksums(fsys fs.FS) (map[string]string, error) {
	files, _, err := migrationFiles(fsys)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
		out[f.name] = hex.EncodeToString(sum[:])
	}
	return out, nil
}

func versionOf(file string) int64 {
	v, _ := goose.NumericComponent(file)
	return v
}
