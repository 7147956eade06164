package migrationcheck

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/pressly/goose/v3"
)

// Check reads every goose migration in fsys (the *.sql files at its root,
// in version order, as goose runs them) and returns the findings that no
// annotation acknowledges, sorted; none when the migrations are safe to ship.
// The error is for a folder it cannot read.
func Check(fsys fs.FS) ([]Finding, error) {
	files, out, err := migrationFiles(fsys)
	if err != nil {
		return nil, err
	}
	s := newSchema()
	for _, f := range files {
		content, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, err
		}
		out = append(out, checkMigration(parseMigration(f.name, string(content)), s)...)
	}
	sortFindings(out)
	return out, nil
}

type migrationFile struct {
	name    string
	version int64
}

// migrationFiles lists the .sql files of fsys in version order, with a
// finding for a name goose would skip (it silently ignores a file without a
// version: a migration that never runs) or a version used twice.
func migrationFiles(fsys fs.FS) ([]migrationFile, []Finding, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, fmt.Errorf("migrationcheck: read migrations: %w", err)
	}
	var files []migrationFile
	var out []Finding
	byVersion := map[int64]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		v, err := goose.NumericComponent(name)
		if err != nil {
			out = append(out, Finding{File: name, Rule: RuleFileName, What: err.Error(),
				Consequence: "goose skips the file and it never runs: name it NNNNN_description.sql"})
			continue
		}
		if other, dup := byVersion[v]; dup {
			out = append(out, Finding{File: name, Rule: RuleFileName, What: fmt.Sprintf("version %d is also %s", v, other),
				Consequence: "goose refuses to run any migration: give it the next free version"})
			continue
		}
		byVersion[v] = name
		files = append(files, migrationFile{name, v})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].version < files[j].version })
	return files, out, nil
}

// checkMigration checks one file against the schema the earlier files
// built, and leaves the schema as the file's Up section leaves it. The Down
// section is checked on a copy: it may undo what its own Up created, and
// anything beyond that is as risky on a rollback as in an Up.
func checkMigration(m *migration, s *schema) []Finding {
	out := append([]Finding(nil), m.errs...)
	s.startFile()
	var found []issue
	if m.up != nil {
		up := &checker{m: m, s: s}
		up.section(m.up)
		found = up.found
		if m.down != nil {
			down := &checker{m: m, s: s.clone()}
			down.section(m.down)
			found = append(found, down.found...)
		}
	}
	return append(out, acknowledge(m, found)...)
}

// acknowledge drops the findings an annotation covers and reports the
// annotations that cover nothing: a stale acknowledgement would silently
// cover the next risky change made in its place.
func acknowledge(m *migration, found []issue) []Finding {
	var out []Finding
	for _, f := range found {
		if n := matchNote(f.stmt.notes, f.Rule); n != nil {
			n.used = true
			continue
		}
		if n := matchNote(m.fileNote, f.Rule); n != nil {
			n.used = true
			continue
		}
		out = append(out, f.Finding)
	}
	for _, sec := range []*section{m.up, m.down} {
		if sec == nil {
			continue
		}
		for _, st := range sec.stmts {
			for _, n := range st.notes {
				if !n.used {
					out = append(out, unusedNote(m, n, fmt.Sprintf("the statement on line %d is not %s", st.line, n.rule)))
				}
			}
		}
	}
	for _, n := range m.fileNote {
		if !n.used {
			out = append(out, unusedNote(m, n, "no statement in the file is "+n.rule))
		}
	}
	return out
}

func matchNote(notes []*note, rule string) *note {
	for _, n := range notes {
		if n.rule == rule {
			return n
		}
	}
	return nil
}

func unusedNote(m *migration, n *note, why string) Finding {
	return Finding{File: m.name, Line: n.line, Rule: RuleAnnotation,
		What:        fmt.Sprintf("-- %s %s: %s", allowPrefix, n.rule, n.reason),
		Consequence: "it matches no finding (" + why + "): remove it, or it would silently cover the next risky change here"}
}

// Report joins findings one per line, for a test failure or a command.
func Report(fs []Finding) string {
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = f.String()
	}
	return strings.Join(lines, "\n")
}
