// Package pgtest gives tests a real PostgreSQL server: a throwaway cluster
// started once per test binary (on the first NewDB) with the installed
// server's initdb/pg_ctl
// (unless DATABASE_URL names a server to use), and a fresh database with the
// application's migrations applied for each test that asks for one.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.NewDB(t) // dropped when the test ends
//		...
//	}
//
// The cluster is package pgserver's (run as the `postgres` account under
// root). A missing server or account fails the tests with a message naming
// the package to install; nothing is skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/schema"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/pgserver"
)

var (
	mu         sync.Mutex
	mainCalled bool
	setupOnce  sync.Once
	setupErr   error
	srv        *pgserver.Server // nil with DATABASE_URL
	srvDir     string
	adminDSN   string
	template   string // database with the migrations applied, cloned by NewDB
	counter    int
	runID      = randomHex(4)
)

// Main runs the tests and then stops the server and drops the template, if a
// test started them: the server starts on the first NewDB, so a run that
// needs no database (a fuzz worker, `-run` of a pure test) starts none.
// Call it from TestMain.
func Main(m *testing.M) {
	mainCalled = true
	code := m.Run()
	teardown()
	os.Exit(code)
}

// setup starts the server (or uses DATABASE_URL) and prepares a migrated
// template database.
func setup() error {
	if dsn := os.Getenv(contract.EnvDatabaseURL); dsn != "" {
		adminDSN = dsn
	} else {
		dir, err := os.MkdirTemp("", "stratus-pgtest-")
		if err != nil {
			return err
		}
		s, err := pgserver.Start(dir, pgserver.Options{Throwaway: true})
		if err != nil {
			_ = os.RemoveAll(dir)
			return err
		}
		srv, srvDir, adminDSN = s, dir, s.DSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	template = "stratus_tmpl_" + runID
	return createTemplate(ctx)
}

func teardown() {
	if adminDSN != "" && template != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{template}.Sanitize()+" WITH (FORCE)")
		cancel()
	}
	if srv != nil {
		_ = srv.Stop(true)
		_ = os.RemoveAll(srvDir)
	}
}

// NewDB returns the DSN of a new database with the migrations applied,
// dropped when the test ends.
func NewDB(t testing.TB) string {
	t.Helper()
	mustMain(t) // sets template
	return newDB(t, template)
}

// NewEmptyDB returns the DSN of a new empty database (no migrations), dropped
// when the test ends.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	return newDB(t, "template0")
}

// AdminDSN is the DSN of the server's maintenance database.
func AdminDSN(t testing.TB) string {
	t.Helper()
	mustMain(t)
	return adminDSN
}

func mustMain(t testing.TB) {
	t.Helper()
	if !mainCalled {
		t.Fatal("pgtest: call pgtest.Main(m) from TestMain before using pgtest")
	}
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v", setupErr)
	}
}

func newDB(t testing.TB, from string) string {
	t.Helper()
	mustMain(t)
	mu.Lock()
	counter++
	name := fmt.Sprintf("stratus_test_%s_%d", runID, counter)
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// CREATE DATABASE … TEMPLATE copies files: far faster than migrating again.
	if err := adminExec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{from}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	dsn, err := withDatabase(adminDSN, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func createTemplate(ctx context.Context) error {
	if err := adminExec(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return fmt.Errorf("create template database: %w", err)
	}
	dsn, err := withDatabase(adminDSN, template)
	if err != nil {
		return err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	_, err = schema.ApplyDBLogged(ctx, db, slog.New(slog.DiscardHandler))
	return err
}

// adminExec runs one statement on its own connection to the admin database,
// serialised: CREATE DATABASE … TEMPLATE fails while another session uses the
// template.
func adminExec(ctx context.Context, sql string) error {
	mu.Lock()
	defer mu.Unlock()
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn pointing at database name (URL or key=value form).
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: DATABASE_URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
