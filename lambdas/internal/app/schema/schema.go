// Package schema holds the application's SQL schema as goose migrations
// embedded in the binary, and applies them. The migrate custom resource, the
// tests (through pgtest) and local runs all call Apply: one code path.
package schema

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sql/*.sql
var embedded embed.FS

// FS is the migrations folder (files NNNNN_name.sql).
func FS() fs.FS {
	sub, err := fs.Sub(embedded, "sql")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	return sub
}

// Tables the application role may read and write.
var appTables = []string{"items", "attachments", "idempotency_keys", "outbox", "activity", "processed_events"}

// Apply connects with dsn (a URL or key=value DSN) and applies every pending
// migration. It returns the schema version afterwards.
func Apply(ctx context.Context, dsn string) (int64, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return 0, fmt.Errorf("migrations: parse DSN: %w", err)
	}
	return ApplyConfig(ctx, cfg)
}

// ApplyConfig is Apply with a parsed connection config (e.g. built from a
// Secrets Manager secret).
func ApplyConfig(ctx context.Context, cfg *pgx.ConnConfig) (int64, error) {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	return ApplyDB(ctx, db)
}

// ApplyDB applies every pending migration through db, logging each to
// slog.Default(). A PostgreSQL advisory lock serialises concurrent runs (two
// stacks deploying at once).
func ApplyDB(ctx context.Context, db *sql.DB) (int64, error) {
	return ApplyDBLogged(ctx, db, slog.Default())
}

// ApplyDBLogged is ApplyDB logging to log.
func ApplyDBLogged(ctx context.Context, db *sql.DB, log *slog.Logger) (int64, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, FS(),
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		log.InfoContext(ctx, "migration applied", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
	}
	if err != nil {
		return 0, fmt.Errorf("migrations: up: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// EnsureAppRole creates the application's login role if it is missing, lets
// it log in with IAM auth tokens where the rds_iam role exists (RDS and
// Aurora; not a plain PostgreSQL server), and grants it the DML it needs on
// the application's tables and nothing else (not the migration history).
func EnsureAppRole(ctx context.Context, db *sql.DB, role string) error {
	if role == "" {
		return errors.New("migrations: empty role name")
	}
	ident := pgx.Identifier{role}.Sanitize()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return fmt.Errorf("migrations: look up role: %w", err)
	}
	create := "CREATE ROLE " + ident + " WITH LOGIN"
	if exists {
		create = "ALTER ROLE " + ident + " WITH LOGIN"
	}
	if _, err := db.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrations: %s: %w", create, err)
	}
	var rdsIAM bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam')`).Scan(&rdsIAM); err != nil {
		return fmt.Errorf("migrations: look up rds_iam: %w", err)
	}
	var dbName string
	if err := db.QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
		return err
	}
	stmts := []string{
		"GRANT CONNECT ON DATABASE " + pgx.Identifier{dbName}.Sanitize() + " TO " + ident,
		"GRANT USAGE ON SCHEMA public TO " + ident,
	}
	if rdsIAM {
		stmts = append(stmts, "GRANT rds_iam TO "+ident)
	}
	for _, t := range appTables {
		stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "+pgx.Identifier{t}.Sanitize()+" TO "+ident)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrations: %s: %w", s, err)
		}
	}
	return nil
}
