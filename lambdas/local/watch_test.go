package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The supervisor rebuilds for Go code, migrations and module files, and not for tests or others.
func TestFingerprintSeesWhatTheServerIsBuiltFrom(t *testing.T) {
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// Distinct modification times even on coarse-grained file systems.
		later := time.Now().Add(time.Duration(len(body)+1) * time.Second)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x")
	write("lambdas/api/main.go", "package main")
	base := fingerprint(root)
	for _, name := range []string{"lambdas/api/main_test.go", "lambdas/README.md", "web/src/App.tsx"} {
		write(name, "ignored change")
		if fingerprint(root) != base {
			t.Errorf("a change to %s triggers a rebuild", name)
		}
	}
	for _, name := range []string{"lambdas/api/main.go", "lambdas/internal/migrations/sql/00002_x.sql", "go.sum", "go.mod"} {
		write(name, "changed: "+name)
		if got := fingerprint(root); got == base {
			t.Errorf("a change to %s is not seen", name)
		} else {
			base = got
		}
	}
}

func TestFixedPortKeepsOneAddressAcrossRestarts(t *testing.T) {
	addr, err := fixedPort("127.0.0.1:0")
	if err != nil || strings.HasSuffix(addr, ":0") {
		t.Fatalf("fixedPort(:0) = %q, %v", addr, err)
	}
	if l, err := net.Listen("tcp", addr); err != nil {
		t.Fatalf("the chosen port is not free: %v", err)
	} else {
		l.Close()
	}
	if addr, err := fixedPort("127.0.0.1:8080"); addr != "127.0.0.1:8080" || err != nil {
		t.Fatalf("fixedPort(8080) = %q, %v", addr, err)
	}
	if _, err := fixedPort("no-port"); err == nil {
		t.Fatal("fixedPort accepted an address without a port")
	}
}
