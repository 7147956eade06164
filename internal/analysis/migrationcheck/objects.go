package migrationcheck

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// Statements on objects other than a table's columns: indexes, drops,
// renames, maintenance.

func (c *checker) createIndex(s *pg.IndexStmt) {
	key := relKey(s.Relation)
	if s.Idxname != "" {
		idx := relKey(&pg.RangeVar{Schemaname: s.Relation.GetSchemaname(), Relname: s.Idxname})
		c.s.indexes[idx] = &index{table: key, fresh: true}
	}
	switch {
	case s.Concurrent:
		c.needsNoTx()
	case !c.s.fresh(key):
		c.add(RuleIndexNotConcurrent, c.stmt.text, "blocks writes to "+show(key)+" (SHARE lock) while the index builds and "+c.held()+
			": use CREATE INDEX CONCURRENTLY in a -- +goose NO TRANSACTION migration")
	}
}

func (c *checker) reindex(s *pg.ReindexStmt) {
	for _, p := range s.Params {
		if p.GetDefElem().GetDefname() == "concurrently" {
			c.needsNoTx()
			return
		}
	}
	// "Table-Level Locks" lists REINDEX under ACCESS EXCLUSIVE; the REINDEX
	// page: SHARE on the table and ACCESS EXCLUSIVE on each index, "which
	// will block reads that attempt to use that index".
	work := "rebuilds its indexes"
	switch s.Kind {
	case pg.ReindexObjectType_REINDEX_OBJECT_TABLE:
		c.lockTable(relKey(s.Relation), c.stmt.text, work)
	case pg.ReindexObjectType_REINDEX_OBJECT_INDEX:
		c.lockIndexTable(relKey(s.Relation), c.stmt.text, work)
	default:
		c.accessExclusive(c.stmt.text, "every table it names", work)
	}
}

// lockIndexTable reports an ACCESS EXCLUSIVE lock taken through an index,
// unless the index or its table is the migration's own.
func (c *checker) lockIndexTable(idx, what, work string) {
	table, fresh := c.s.indexTable(idx)
	switch {
	case fresh:
	case table == "":
		c.accessExclusive(what, "the table of index "+show(idx), work)
	default:
		c.accessExclusive(what, show(table), work)
	}
}

func (c *checker) vacuum(s *pg.VacuumStmt) {
	if !s.IsVacuumcmd {
		return // ANALYZE: SHARE UPDATE EXCLUSIVE, fine in a transaction
	}
	c.needsNoTx()
	for _, o := range s.Options {
		if o.GetDefElem().GetDefname() != "full" {
			continue
		}
		if len(s.Rels) == 0 {
			c.accessExclusive(c.stmt.text, "every table", "rewrites every row")
		}
		for _, r := range s.Rels {
			c.lockTable(relKey(r.GetVacuumRelation().GetRelation()), c.stmt.text, "rewrites every row")
		}
	}
}

func (c *checker) drop(s *pg.DropStmt) {
	if s.Concurrent {
		c.needsNoTx()
	}
	for _, obj := range s.Objects {
		one := proto.Clone(s).(*pg.DropStmt)
		one.Objects = []*pg.Node{obj}
		what := c.stmt.text
		if len(s.Objects) > 1 {
			what = deparse(&pg.Node{Node: &pg.Node_DropStmt{DropStmt: one}})
		}
		names := obj.GetList().GetItems()
		switch s.RemoveType {
		case pg.ObjectType_OBJECT_TABLE:
			key := listKey(names)
			if !c.s.fresh(key) {
				c.add(RuleDropTable, what, "the table "+show(key)+" and all its rows are lost")
			}
			c.s.drop(key)
		case pg.ObjectType_OBJECT_SCHEMA:
			if s.Behavior == pg.DropBehavior_DROP_CASCADE { // without CASCADE only an empty schema drops
				c.add(RuleDropTable, what, "every table in the schema and all their rows are lost")
			}
		case pg.ObjectType_OBJECT_INDEX:
			key := listKey(names)
			if !s.Concurrent {
				c.lockIndexTable(key, what, "")
			}
			delete(c.s.indexes, key)
		case pg.ObjectType_OBJECT_TRIGGER, pg.ObjectType_OBJECT_POLICY, pg.ObjectType_OBJECT_RULE:
			// The object's name follows its table's: pg_locks shows ACCESS EXCLUSIVE on the table.
			if len(names) > 1 {
				c.lockTable(listKey(names[:len(names)-1]), what, "")
			}
		default:
			if s.Behavior == pg.DropBehavior_DROP_CASCADE {
				c.add(RuleDropCascade, what, "CASCADE also drops everything that depends on it (columns of that type, views, foreign keys, defaults), with their data")
			}
		}
	}
}

// rename reports any RENAME of an existing object and follows tables,
// columns and indexes to their new names.
func (c *checker) rename(s *pg.RenameStmt) {
	old := "running code that uses the old name fails from the moment this migration commits until the new code is deployed"
	switch s.RenameType {
	case pg.ObjectType_OBJECT_TABLE:
		key := relKey(s.Relation)
		fresh := c.s.fresh(key)
		c.s.move(key, relKey(&pg.RangeVar{Schemaname: s.Relation.GetSchemaname(), Relname: s.Newname}))
		if fresh {
			return
		}
	case pg.ObjectType_OBJECT_COLUMN, pg.ObjectType_OBJECT_TABCONSTRAINT, pg.ObjectType_OBJECT_TRIGGER,
		pg.ObjectType_OBJECT_POLICY, pg.ObjectType_OBJECT_RULE:
		key := relKey(s.Relation)
		if s.RenameType == pg.ObjectType_OBJECT_COLUMN {
			fresh := c.s.freshColumn(key, s.Subname)
			c.s.renameColumn(key, s.Subname, s.Newname)
			if fresh {
				return
			}
		} else if c.s.fresh(key) {
			return
		}
	case pg.ObjectType_OBJECT_INDEX:
		key := relKey(s.Relation)
		_, fresh := c.s.indexTable(key)
		if i := c.s.indexes[key]; i != nil {
			delete(c.s.indexes, key)
			c.s.indexes[relKey(&pg.RangeVar{Schemaname: s.Relation.GetSchemaname(), Relname: s.Newname})] = i
		}
		if fresh {
			return
		}
		old = "code or migrations that name the old index fail"
	}
	c.add(RuleRename, c.stmt.text, old)
}

// setSchema is a rename of a table into another schema.
func (c *checker) setSchema(s *pg.AlterObjectSchemaStmt) {
	if s.ObjectType != pg.ObjectType_OBJECT_TABLE {
		c.add(RuleRename, c.stmt.text, "running code that uses the old qualified name fails until the new code is deployed")
		return
	}
	key := relKey(s.Relation)
	fresh := c.s.fresh(key)
	c.s.move(key, s.Newschema+"."+s.Relation.GetRelname())
	if !fresh {
		c.add(RuleRename, c.stmt.text, fmt.Sprintf("running code that reaches %s through its old schema fails until the new code is deployed", show(key)))
	}
}
