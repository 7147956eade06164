package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ExecMode is a pgx query exec mode with a name for subtests.
type ExecMode struct {
	Name string
	Mode pgx.QueryExecMode
}

// ExecModes is every pgx query exec mode. The SQL must work in all of them:
// behind RDS Proxy (DB_PROXY=true) statements run unnamed (exec), and in the
// exec and simple modes pgx picks parameter types from Go values instead of
// asking the server, so nothing may rely on a prepared statement's inferred
// types. Each call returns a new slice.
func ExecModes() []ExecMode {
	return []ExecMode{
		{"cache_statement", pgx.QueryExecModeCacheStatement}, // pgx's default: named prepared statements
		{"cache_describe", pgx.QueryExecModeCacheDescribe},
		{"describe_exec", pgx.QueryExecModeDescribeExec},
		{"exec", pgx.QueryExecModeExec},                      // unnamed statements: what DB_PROXY=true uses
		{"simple_protocol", pgx.QueryExecModeSimpleProtocol}, // text protocol, client-side parameters
	}
}

// NewPool opens a pool on dsn that runs queries in mode, with one
// connection like a Lambda environment's pool; it is closed when the test
// ends.
func NewPool(t testing.TB, dsn string, mode pgx.QueryExecMode) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.DefaultQueryExecMode = mode
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
