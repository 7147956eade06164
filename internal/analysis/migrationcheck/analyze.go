package migrationcheck

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
)

// checker looks at the statements of one section in order, updating the
// schema as it goes, and collects the risky ones.
type checker struct {
	m     *migration
	s     *schema
	stmt  *statement
	found []issue
}

// issue is a finding tied to the statement that caused it, so that an
// annotation above that statement can acknowledge it.
type issue struct {
	Finding
	stmt *statement
}

func (c *checker) add(rule, what, consequence string) {
	c.found = append(c.found, issue{Finding{File: c.m.name, Line: c.stmt.line, Rule: rule, What: what, Consequence: consequence}, c.stmt})
}

// held says how long a lock lasts: goose runs a migration in one
// transaction unless the file says NO TRANSACTION.
func (c *checker) held() string {
	if c.m.noTx {
		return "until the statement ends"
	}
	return "until the migration's transaction commits"
}

func (c *checker) section(s *section) {
	for _, st := range s.stmts {
		c.stmt = st
		c.statement(st.node)
	}
}

func (c *checker) statement(n *pg.Node) {
	switch {
	case n.GetCreateStmt() != nil:
		c.s.create(relKey(n.GetCreateStmt().Relation))
	case n.GetCreateTableAsStmt() != nil:
		if s := n.GetCreateTableAsStmt(); s.Objtype == pg.ObjectType_OBJECT_TABLE {
			c.s.create(relKey(s.GetInto().GetRel()))
		}
	case n.GetAlterTableStmt() != nil:
		c.alterTable(n.GetAlterTableStmt())
	case n.GetRenameStmt() != nil:
		c.rename(n.GetRenameStmt())
	case n.GetAlterObjectSchemaStmt() != nil:
		c.setSchema(n.GetAlterObjectSchemaStmt())
	case n.GetDropStmt() != nil:
		c.drop(n.GetDropStmt())
	case n.GetTruncateStmt() != nil:
		s := n.GetTruncateStmt()
		also := ""
		if s.Behavior == pg.DropBehavior_DROP_CASCADE {
			also = ", and of every table with a foreign key to it"
		}
		for _, r := range s.Relations {
			if key := relKey(r.GetRangeVar()); !c.s.fresh(key) {
				c.add(RuleTruncate, c.stmt.text, "every row of "+show(key)+" is deleted"+also)
			}
		}
	case n.GetIndexStmt() != nil:
		c.createIndex(n.GetIndexStmt())
	case n.GetReindexStmt() != nil:
		c.reindex(n.GetReindexStmt())
	case n.GetClusterStmt() != nil:
		if rel := n.GetClusterStmt().GetRelation(); rel == nil {
			c.accessExclusive(c.stmt.text, "every clustered table", "")
		} else {
			c.lockTable(relKey(rel), c.stmt.text, "rewrites every row")
		}
	case n.GetVacuumStmt() != nil:
		c.vacuum(n.GetVacuumStmt())
	case n.GetLockStmt() != nil:
		if s := n.GetLockStmt(); lockMode(s.Mode) == accessExclusive {
			for _, r := range s.Relations {
				c.lockTable(relKey(r.GetRangeVar()), c.stmt.text, "")
			}
		}
	// Statements the docs do not give a lock level for; pg_locks shows
	// ACCESS EXCLUSIVE on the table for each (see the package doc).
	case n.GetCreatePolicyStmt() != nil:
		c.lockTable(relKey(n.GetCreatePolicyStmt().Table), c.stmt.text, "")
	case n.GetAlterPolicyStmt() != nil:
		c.lockTable(relKey(n.GetAlterPolicyStmt().Table), c.stmt.text, "")
	case n.GetRuleStmt() != nil:
		c.lockTable(relKey(n.GetRuleStmt().Relation), c.stmt.text, "")
	case n.GetAlterEnumStmt().GetOldVal() != "":
		c.add(RuleRename, c.stmt.text, "running code and stored queries that use the old value fail until the new code is deployed")
	case n.GetDoStmt() != nil:
		c.add(RuleDoBlock, c.stmt.text, "the checker cannot see the statements it runs: review them for the risks above")
	case n.GetCreatedbStmt() != nil, n.GetDropdbStmt() != nil, n.GetAlterSystemStmt() != nil,
		n.GetCreateTableSpaceStmt() != nil, n.GetDropTableSpaceStmt() != nil:
		c.needsNoTx()
	}
}

func (c *checker) needsNoTx() {
	if !c.m.noTx {
		c.add(RuleNeedsNoTransaction, c.stmt.text, "PostgreSQL refuses it inside a transaction block, and goose runs this migration in one: add -- +goose NO TRANSACTION (and keep the file to this statement)")
	}
}

// alterTable checks each subcommand of an ALTER TABLE on an existing table.
// The specific rules name the subcommands whose effect is worse than their
// lock; every other subcommand that takes ACCESS EXCLUSIVE is reported once
// for the statement.
func (c *checker) alterTable(s *pg.AlterTableStmt) {
	if s.Objtype != pg.ObjectType_OBJECT_TABLE {
		return // ALTER INDEX, VIEW, SEQUENCE, MATERIALIZED VIEW: no table's rows at stake
	}
	key := relKey(s.Relation)
	fresh := c.s.fresh(key)
	var heavy []*pg.Node
	specific := false
	for _, n := range s.Cmds {
		cmd := n.GetAlterTableCmd()
		what := c.subcommand(s, n)
		switch cmd.Subtype {
		case pg.AlterTableType_AT_AddColumn:
			c.s.addColumn(key, cmd.GetDef().GetColumnDef().GetColname())
		case pg.AlterTableType_AT_AttachPartition:
			// SHARE UPDATE EXCLUSIVE on the parent, but the ATTACH PARTITION
			// section: ACCESS EXCLUSIVE on the table being attached.
			c.lockTable(relKey(cmd.GetDef().GetPartitionCmd().GetName()), what, "")
		case pg.AlterTableType_AT_DetachPartition:
			if cmd.GetDef().GetPartitionCmd().GetConcurrent() {
				c.needsNoTx()
			}
		}
		if fresh {
			continue
		}
		switch cmd.Subtype {
		case pg.AlterTableType_AT_AddColumn:
			if notNullWithoutDefault(cmd.GetDef().GetColumnDef()) {
				specific = true
				c.add(RuleAddColumnNotNull, what, "fails once "+show(key)+" has rows (they would hold NULL), and running code whose INSERTs omit the column fails: add it nullable or with a DEFAULT")
			} else {
				heavy = append(heavy, n)
			}
		case pg.AlterTableType_AT_DropColumn:
			if c.s.freshColumn(key, cmd.Name) {
				heavy = append(heavy, n) // added by this migration: no data yet, but the lock is taken
			} else {
				specific = true
				c.add(RuleDropColumn, what, "the column's data is lost")
			}
		case pg.AlterTableType_AT_AlterColumnType:
			specific = true
			c.add(RuleAlterColumnType, what, "rewrites "+show(key)+" and its indexes under an ACCESS EXCLUSIVE lock (unless the types are binary compatible), and running code may expect the old type")
		case pg.AlterTableType_AT_SetNotNull:
			specific = true
			c.add(RuleSetNotNull, what, "reads every row of "+show(key)+" under an ACCESS EXCLUSIVE lock and fails on any NULL: add a CHECK (… IS NOT NULL) NOT VALID constraint and VALIDATE it instead")
		default:
			if alterTableLock(cmd) == accessExclusive {
				heavy = append(heavy, n)
			}
		}
	}
	if len(heavy) > 0 && !specific {
		what := c.stmt.text
		if len(heavy) < len(s.Cmds) {
			one := proto.Clone(s).(*pg.AlterTableStmt)
			one.Cmds = heavy
			what = deparse(&pg.Node{Node: &pg.Node_AlterTableStmt{AlterTableStmt: one}})
		}
		work := ""
		for _, h := range heavy {
			if work = rewriteOrScan(h.GetAlterTableCmd()); work != "" {
				break
			}
		}
		c.accessExclusive(what, show(key), work)
	}
}

// subcommand names one subcommand of an ALTER TABLE in a finding: the
// statement as written when it has only this one, else PostgreSQL's
// deparse of an ALTER TABLE with only this subcommand.
func (c *checker) subcommand(s *pg.AlterTableStmt, cmd *pg.Node) string {
	if len(s.Cmds) == 1 {
		return c.stmt.text
	}
	if ac := cmd.GetAlterTableCmd(); ac.Subtype == pg.AlterTableType_AT_DropColumn {
		return "ALTER TABLE " + show(relKey(s.Relation)) + " DROP COLUMN " + ac.Name // the deparser omits COLUMN
	}
	one := &pg.AlterTableStmt{Relation: s.Relation, Objtype: s.Objtype, MissingOk: s.MissingOk, Cmds: []*pg.Node{cmd}}
	return deparse(&pg.Node{Node: &pg.Node_AlterTableStmt{AlterTableStmt: one}})
}

// notNullWithoutDefault: a column that existing rows cannot fill. Identity,
// generated and serial columns fill themselves.
func notNullWithoutDefault(col *pg.ColumnDef) bool {
	notNull := col.GetIsNotNull()
	for _, n := range col.GetConstraints() {
		switch n.GetConstraint().GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL, pg.ConstrType_CONSTR_PRIMARY:
			notNull = true
		case pg.ConstrType_CONSTR_DEFAULT, pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
			return false
		}
	}
	if col.GetRawDefault() != nil || col.GetIdentity() != "" || col.GetGenerated() != "" {
		return false
	}
	if names := col.GetTypeName().GetNames(); len(names) > 0 {
		switch names[len(names)-1].GetString_().GetSval() {
		case "serial", "serial2", "serial4", "serial8", "smallserial", "bigserial":
			return false
		}
	}
	return notNull
}

// accessExclusive reports an ACCESS EXCLUSIVE lock on table (already
// checked to be existing); work says what it does under the lock, if more
// than changing the catalog.
func (c *checker) accessExclusive(what, table, work string) {
	consequence := "takes an ACCESS EXCLUSIVE lock on " + table + ": every read and write of it waits " + c.held() +
		", and the lock itself waits behind every open transaction on it (set lock_timeout)"
	if work != "" {
		consequence += "; while locked it " + work
	}
	c.add(RuleAccessExclusive, what, consequence)
}

// lockTable reports an ACCESS EXCLUSIVE lock on the table key unless the
// migration created it.
func (c *checker) lockTable(key, what, work string) {
	if !c.s.fresh(key) {
		c.accessExclusive(what, show(key), work)
	}
}
