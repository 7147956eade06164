package migrationcheck

import (
	"maps"
	"strings"
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// schema is what the migrations checked so far have created, as far as the
// checker follows it: tables (CREATE TABLE, CREATE TABLE AS, renames, SET
// SCHEMA, drops) and named indexes. "fresh" marks what the migration being
// checked created itself; statements on those are not risky.
type schema struct {
	tables  map[string]*table // by key "schema.name"
	indexes map[string]*index // by key "schema.name" of the index
}

type table struct {
	fresh bool
	added map[string]bool // columns the migration being checked added
}

type index struct {
	table string // key of its table
	fresh bool
}

func newSchema() *schema {
	return &schema{tables: map[string]*table{}, indexes: map[string]*index{}}
}

// startFile marks everything created so far as existing.
func (s *schema) startFile() {
	for _, t := range s.tables {
		t.fresh, t.added = false, map[string]bool{}
	}
	for _, i := range s.indexes {
		i.fresh = false
	}
}

// clone copies the schema, for the check of a Down section (which must not
// change what later files see).
func (s *schema) clone() *schema {
	c := newSchema()
	for k, t := range s.tables {
		c.tables[k] = &table{fresh: t.fresh, added: maps.Clone(t.added)}
	}
	for k, i := range s.indexes {
		c.indexes[k] = &index{table: i.table, fresh: i.fresh}
	}
	return c
}

// fresh reports whether the table was created by the migration being
// checked. A table no migration created counts as existing: the checker
// cannot prove it empty.
func (s *schema) fresh(key string) bool {
	t := s.tables[key]
	return t != nil && t.fresh
}

func (s *schema) freshColumn(key, column string) bool {
	t := s.tables[key]
	return t != nil && (t.fresh || t.added[column])
}

func (s *schema) create(key string) {
	s.tables[key] = &table{fresh: true, added: map[string]bool{}}
}

func (s *schema) addColumn(key, column string) {
	if t := s.tables[key]; t != nil {
		t.added[column] = true
	}
}

func (s *schema) renameColumn(key, from, to string) {
	if t := s.tables[key]; t != nil && t.added[from] {
		delete(t.added, from)
		t.added[to] = true
	}
}

func (s *schema) drop(key string) {
	delete(s.tables, key)
	for k, i := range s.indexes {
		if i.table == key {
			delete(s.indexes, k)
		}
	}
}

// move follows a table to its new name; its indexes follow it to a new schema.
func (s *schema) move(from, to string) {
	t := s.tables[from]
	if t == nil {
		return
	}
	delete(s.tables, from)
	s.tables[to] = t
	toSchema, _, _ := strings.Cut(to, ".")
	for k, i := range s.indexes {
		if i.table != from {
			continue
		}
		i.table = to
		if _, name, _ := strings.Cut(k, "."); toSchema+"."+name != k {
			delete(s.indexes, k)
			s.indexes[toSchema+"."+name] = i
		}
	}
}

// indexTable returns the key of an index's table ("" when unknown) and
// whether the index or its table is fresh.
func (s *schema) indexTable(key string) (string, bool) {
	i := s.indexes[key]
	if i == nil {
		return "", false
	}
	return i.table, i.fresh || s.fresh(i.table)
}

// relKey is "schema.name"; an unqualified name is taken as public's (the
// search_path goose runs with on a default database).
func relKey(rv *pg.RangeVar) string {
	schemaName := rv.GetSchemaname()
	if schemaName == "" {
		schemaName = "public"
	}
	return schemaName + "." + rv.GetRelname()
}

// listKey is relKey for a name given as a list of String nodes (DROP's objects).
func listKey(names []*pg.Node) string {
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, n.GetString_().GetSval())
	}
	if len(parts) == 1 {
		return "public." + parts[0]
	}
	return strings.Join(parts, ".")
}

// show is how a finding names a table: without "public.".
func show(key string) string {
	return strings.TrimPrefix(key, "public.")
}

// deparse prints a statement as PostgreSQL's own deparser does, cut to a
// readable length for a one-line finding.
func deparse(n *pg.Node) string {
	out, err := pg.Deparse(&pg.ParseResult{Version: treeVersion(), Stmts: []*pg.RawStmt{{Stmt: n}}})
	if err != nil {
		return "(statement)"
	}
	return shorten(out)
}

// treeVersion is the parse tree version Deparse wants, taken from a parse
// because the library exports no constant for it.
var treeVersion = sync.OnceValue(func() int32 {
	tree, err := pg.Parse("SELECT 1")
	if err != nil {
		panic(err) // PostgreSQL's parser rejecting SELECT 1 is a broken build
	}
	return tree.Version
})
