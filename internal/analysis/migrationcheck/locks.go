package migrationcheck

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// lockMode is a table-level lock mode, weakest first, as listed in the
// PostgreSQL documentation, "Concurrency Control" → "Explicit Locking" →
// "Table-Level Locks".
type lockMode int

const (
	noLock lockMode = iota
	accessShare
	rowShare
	rowExclusive
	shareUpdateExclusive
	share
	shareRowExclusive
	exclusive
	accessExclusive
)

// alterTableLock is the lock an ALTER TABLE subcommand takes on its table.
// The reference page "ALTER TABLE" says: "An ACCESS EXCLUSIVE lock is
// acquired unless explicitly noted"; the cases below are the ones it notes.
func alterTableLock(cmd *pg.AlterTableCmd) lockMode {
	switch cmd.Subtype {
	case pg.AlterTableType_AT_SetStatistics, // ALTER COLUMN … SET STATISTICS
		pg.AlterTableType_AT_SetOptions, pg.AlterTableType_AT_ResetOptions, // ALTER COLUMN … SET/RESET (attribute_option)
		pg.AlterTableType_AT_ValidateConstraint,                          // VALIDATE CONSTRAINT
		pg.AlterTableType_AT_ClusterOn, pg.AlterTableType_AT_DropCluster, // CLUSTER ON, SET WITHOUT CLUSTER
		pg.AlterTableType_AT_AttachPartition,         // ATTACH PARTITION (on the parent)
		pg.AlterTableType_AT_DetachPartitionFinalize: // DETACH PARTITION … FINALIZE
		return shareUpdateExclusive
	case pg.AlterTableType_AT_DetachPartition:
		if cmd.GetDef().GetPartitionCmd().GetConcurrent() {
			return shareUpdateExclusive
		}
	case pg.AlterTableType_AT_EnableTrig, pg.AlterTableType_AT_EnableAlwaysTrig, pg.AlterTableType_AT_EnableReplicaTrig,
		pg.AlterTableType_AT_DisableTrig, pg.AlterTableType_AT_EnableTrigAll, pg.AlterTableType_AT_DisableTrigAll,
		pg.AlterTableType_AT_EnableTrigUser, pg.AlterTableType_AT_DisableTrigUser: // ENABLE/DISABLE TRIGGER
		return shareRowExclusive
	case pg.AlterTableType_AT_AddConstraint:
		// "ADD FOREIGN KEY requires only a SHARE ROW EXCLUSIVE lock"; every
		// other ADD table_constraint takes ACCESS EXCLUSIVE.
		if cmd.GetDef().GetConstraint().GetContype() == pg.ConstrType_CONSTR_FOREIGN {
			return shareRowExclusive
		}
	case pg.AlterTableType_AT_SetRelOptions, pg.AlterTableType_AT_ResetRelOptions:
		if lightRelOptions(cmd.GetDef().GetList().GetItems()) {
			return shareUpdateExclusive
		}
	}
	return accessExclusive
}

// lightRelOptions reports whether every storage parameter of SET/RESET
// (…) is one the ALTER TABLE page lists as taking SHARE UPDATE EXCLUSIVE:
// "fillfactor, toast and autovacuum storage parameters, as well as the
// planner parameter parallel_workers" (the per-table vacuum_* and
// log_autovacuum_min_duration parameters belong to autovacuum's group on
// the CREATE TABLE page's "Storage Parameters").
func lightRelOptions(opts []*pg.Node) bool {
	if len(opts) == 0 {
		return false
	}
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			return false
		}
		name := d.GetDefname()
		switch {
		case d.GetDefnamespace() == "toast",
			name == "fillfactor", name == "parallel_workers", name == "toast_tuple_target",
			name == "vacuum_index_cleanup", name == "vacuum_truncate", name == "log_autovacuum_min_duration",
			strings.HasPrefix(name, "autovacuum_"):
		default:
			return false
		}
	}
	return true
}

// rewriteOrScan says what an ACCESS EXCLUSIVE subcommand does while it
// holds the lock, for the finding's consequence: most only change the
// catalog and hold the lock briefly, some read or rewrite every row.
func rewriteOrScan(cmd *pg.AlterTableCmd) string {
	switch cmd.Subtype {
	case pg.AlterTableType_AT_AddConstraint:
		c := cmd.GetDef().GetConstraint()
		switch {
		case c.GetContype() == pg.ConstrType_CONSTR_PRIMARY || c.GetContype() == pg.ConstrType_CONSTR_UNIQUE ||
			c.GetContype() == pg.ConstrType_CONSTR_EXCLUSION:
			if c.GetIndexname() == "" {
				return "builds an index over every row"
			}
		case c.GetContype() == pg.ConstrType_CONSTR_CHECK && !c.GetSkipValidation():
			return "reads every row to validate the constraint (add it NOT VALID, then VALIDATE CONSTRAINT)"
		}
	case pg.AlterTableType_AT_SetLogged, pg.AlterTableType_AT_SetUnLogged, pg.AlterTableType_AT_SetAccessMethod,
		pg.AlterTableType_AT_SetTableSpace:
		return "rewrites every row"
	}
	return ""
}
