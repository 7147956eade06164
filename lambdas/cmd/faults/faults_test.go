package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

// The short form of the fault suite, in `make test`: a server kill and a PostgreSQL kill under
// concurrent idempotent writes lose and duplicate nothing.
func TestShortFaultSuite(t *testing.T) {
	bin, err := stackproc.BuildServer(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
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
