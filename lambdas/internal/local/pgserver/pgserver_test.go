package pgserver

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/freeport"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// clusterDir is a folder for a cluster that, under root, the `postgres` account can reach (a
// t.TempDir's parent is private).
func clusterDir(t *testing.T) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "pgserver-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	return filepath.Join(parent, "pg")
}

func start(t *testing.T, dir string) *Server {
	t.Helper()
	s, err := Start(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(true) })
	return s
}

func exec1(t *testing.T, dsn, sql string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var out string
	if err := conn.QueryRow(ctx, sql, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func postmasterPid(t *testing.T, s *Server) int {
	t.Helper()
	lines, err := readPidFile(s.data)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(lines[0])
	return pid
}

// alive reports whether pid runs (a zombie waiting for its parent to reap it does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// The life of a cluster kept between runs (one test, one initdb): durable settings, one Server per
// folder, a postmaster killed with -9 back on the same DSN with every acknowledged commit, nothing
// left running after Stop, an orphaned postmaster stopped and a stale postmaster.pid ignored by the
// next start, the data kept throughout.
func TestLifecycle(t *testing.T) {
	dir := clusterDir(t)
	s := start(t, dir)
	for setting, want := range map[string]string{"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"} {
		if got := exec1(t, s.DSN, "SELECT current_setting($1)", setting); got != want {
			t.Errorf("%s = %s, want %s", setting, got, want)
		}
	}

	if _, err := Start(dir, Options{Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("a second Server on the folder: %v", err)
	}

	// Fifty transactions, each acknowledged before the next.
	execSQL(t, s.DSN, "CREATE TABLE t (n int)")
	for i := range 50 {
		execSQL(t, s.DSN, "INSERT INTO t VALUES ($1)", i)
	}
	old := postmasterPid(t, s)
	must(t, syscall.Kill(old, syscall.SIGKILL))
	eventually(t, "a new postmaster", func() bool {
		lines, err := readPidFile(s.data)
		return err == nil && len(lines) >= 8 && lines[0] != strconv.Itoa(old) && strings.TrimSpace(lines[7]) == "ready"
	})
	if got := exec1(t, s.DSN, "SELECT count(*)::text FROM t"); got != "50" {
		t.Fatalf("after kill -9 of the postmaster, %s of 50 committed rows", got)
	}

	must(t, s.Stop(false))
	if n := processesIn(s.data); len(n) != 0 {
		t.Fatalf("processes %v still run on the folder after Stop", n)
	}

	// A postmaster that outlived the process that started it (here one started by pg_ctl, which
	// detaches it) is shut down before the new one starts: never two on one folder.
	port, err := freeport.Loopback()
	must(t, err)
	pgctl := s.command("pg_ctl", "-D", s.data, "-o", "-p "+strconv.Itoa(port)+" -k ''", "-l", filepath.Join(dir, "orphan.log"), "-w", "start")
	if out, err := pgctl.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
	orphan := postmasterPid(t, s)
	s = start(t, dir)
	if alive(orphan) {
		t.Fatalf("the orphaned postmaster %d still runs", orphan)
	}
	if got := exec1(t, s.DSN, "SELECT count(*)::text FROM t"); got != "50" {
		t.Fatalf("after a restart, %s of 50 rows", got)
	}

	// A postmaster.pid left by a crash never stops a start, even when its pid now belongs to an
	// unrelated live process (which is left alone).
	must(t, s.Stop(true))
	other := exec.Command("sleep", "60")
	must(t, other.Start())
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	stale := strconv.Itoa(other.Process.Pid) + "\n" + s.data + "\n1700000000\n5432\n\n127.0.0.1\n  1234567   7\nready   \n"
	must(t, os.WriteFile(filepath.Join(s.data, "postmaster.pid"), []byte(stale), 0o600))
	s = start(t, dir)
	exec1(t, s.DSN, "SELECT 'ok'")
	if !alive(other.Process.Pid) {
		t.Fatal("the unrelated process named by the stale postmaster.pid was killed")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	wait.True(t, time.Minute, what, ok)
}

func execSQL(t *testing.T, dsn, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A client program comes from the folder of the server's own initdb; a missing one names the package.
func TestToolIsBesideInitdb(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pg_dump"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PG_BINDIR", dir)
	if p, err := Tool("pg_dump"); err != nil || p != filepath.Join(dir, "pg_dump") {
		t.Fatalf("Tool(pg_dump) = %q, %v", p, err)
	}
	if _, err := Tool("pg_restore"); err == nil || !strings.Contains(err.Error(), "postgresql-client") {
		t.Fatalf("a missing pg_restore: %v", err)
	}
}
