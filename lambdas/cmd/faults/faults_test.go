package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
)

// The short form of the fault suite, in `make test`: a server kill and a PostgreSQL kill under
// concurrent idempotent writes lose and duplicate nothing.
func TestShortFaultSuite(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "stratus-local")
	if out, err := exec.Command("go", "build", "-o", bin, "../stratus-local").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	c := shortRun()
	c.bin, c.assembly = bin, filepath.Join("..", "..", "..", c.assembly)
	var out bytes.Buffer
	v, err := run(context.Background(), c, &out)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !v.pass() || v.acknowledged == 0 {
		t.Fatalf("the suite failed: %+v", v)
	}
}
