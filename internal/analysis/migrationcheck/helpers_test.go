package migrationcheck

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// base is the first migration of every synthetic folder: the tables the
// later migrations find existing.
const base = `-- +goose Up
CREATE TABLE items (id uuid PRIMARY KEY, owner text NOT NULL, notes text, n int);
CREATE INDEX items_owner_idx ON items (owner);
CREATE TABLE other (id int PRIMARY KEY);
-- +goose Down
DROP TABLE other;
DROP TABLE items;
`

// folder builds a migrations folder from name, content pairs.
func folder(pairs ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i+1 < len(pairs); i += 2 {
		fsys[pairs[i]] = &fstest.MapFile{Data: []byte(pairs[i+1])}
	}
	return fsys
}

// change is a folder of base plus 00002_change.sql with the given Up
// statements (starting on line 2) and an empty Down unless up has one.
func change(up string) fstest.MapFS {
	if !strings.Contains(up, "-- +goose Down") {
		up += "\n-- +goose Down\n"
	}
	return folder("00001_base.sql", base, "00002_change.sql", "-- +goose Up\n"+up)
}

// lines runs Check and returns its findings as lines.
func lines(t *testing.T, fsys fstest.MapFS) []string {
	t.Helper()
	found, err := Check(fsys)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.String()
	}
	return out
}

func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// annotate puts "-- stratus:allow <rule>: <reason>" directly above the line
// of each finding of file (rules from its findings).
func annotate(t *testing.T, fsys fstest.MapFS, file string) fstest.MapFS {
	t.Helper()
	found, err := Check(fsys)
	if err != nil {
		t.Fatal(err)
	}
	byLine := map[int][]string{}
	for _, f := range found {
		if f.File == file && !contains(byLine[f.Line], f.Rule) {
			byLine[f.Line] = append(byLine[f.Line], f.Rule)
		}
	}
	var at []int
	for l := range byLine {
		at = append(at, l)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(at)))
	src := strings.Split(string(fsys[file].Data), "\n")
	for _, l := range at {
		var notes []string
		for _, rule := range byLine[l] {
			notes = append(notes, fmt.Sprintf("-- stratus:allow %s: reviewed in the test, the table is empty", rule))
		}
		src = append(src[:l-1], append(notes, src[l-1:]...)...)
	}
	out := fstest.MapFS{}
	for k, v := range fsys {
		out[k] = v
	}
	out[file] = &fstest.MapFile{Data: []byte(strings.Join(src, "\n"))}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
