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
// When run as root (CI), the cluster runs as the unprivileged `postgres`
// account that Debian's `postgresql` package creates, because initdb refuses
// to run as root. A missing server or account fails the tests with a message
// naming the package to install; nothing is skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stratus-cdk/stratus/lambdas/internal/migrations"
)

var (
	mu         sync.Mutex
	mainCalled bool
	setupOnce  sync.Once
	setupErr   error
	srv        *server // nil with DATABASE_URL
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
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		adminDSN = dsn
	} else {
		s, err := startServer()
		if err != nil {
			return err
		}
		srv, adminDSN = s, s.dsn
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
		srv.stop()
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
	_, err = migrations.ApplyDBLogged(ctx, db, slog.New(slog.DiscardHandler))
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

type server struct {
	dir, bin, dsn string
	asUser        string // "" to run as the current user
}

func startServer() (*server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root and there is no `postgres` account for initdb (it refuses root): install the Debian package `postgresql` (apt-get install postgresql), or set DATABASE_URL")
		}
		s.asUser = "postgres"
	}
	s.dir, err = os.MkdirTemp("", "stratus-pgtest-")
	if err != nil {
		return nil, err
	}
	if s.asUser != "" {
		if err := exec.Command("chown", s.asUser, s.dir).Run(); err != nil {
			s.cleanup()
			return nil, fmt.Errorf("chown %s: %w", s.dir, err)
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := s.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		s.cleanup()
		return nil, err
	}
	// Durability is worthless for a throwaway cluster; speed is not.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, s.dir)
	logFile := filepath.Join(s.dir, "server.log")
	if out, err := s.cmd("pg_ctl", "-D", data, "-o", opts, "-l", logFile, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		logs, _ := os.ReadFile(logFile)
		s.cleanup()
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, logs)
	}
	s.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return s, nil
}

func (s *server) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (s *server) stop() {
	_ = s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	s.cleanup()
}

func (s *server) cleanup() { _ = os.RemoveAll(s.dir) }

// findBinDir finds initdb: PG_BINDIR, then the newest /usr/lib/postgresql/N/bin, then PATH.
func findBinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb) found: install the Debian package `postgresql` (apt-get install postgresql), or set DATABASE_URL")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
