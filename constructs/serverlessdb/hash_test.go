package serverlessdb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

func TestHashDirFollowsContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("001_init.sql", "CREATE TABLE a();")
	write("sub/002_more.sql", "CREATE TABLE b();")
	first := serverlessdb.HashDir(dir)
	if len(first) != 64 || first != serverlessdb.HashDir(dir) {
		t.Fatalf("HashDir = %q, want a stable 64-hex digest", first)
	}
	// Modification times do not matter, content does.
	now := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "001_init.sql"), now, now)
	if serverlessdb.HashDir(dir) != first {
		t.Error("HashDir changed with an mtime")
	}
	write("sub/002_more.sql", "CREATE TABLE c();")
	if serverlessdb.HashDir(dir) == first {
		t.Error("HashDir did not change with a file's content")
	}
	if msg := cdktest.Recover(func() { serverlessdb.HashDir(filepath.Join(dir, "missing")) }); !strings.Contains(msg, "HashDir") {
		t.Errorf("missing dir: panic %q", msg)
	}
}
