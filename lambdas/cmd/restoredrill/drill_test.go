package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

// The short form of the restore drill, in `make test`: items and uploads written through the API,
// backed up, destroyed, restored, and every acknowledged one found once.
func TestShortRestoreDrill(t *testing.T) {
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
	if !v.pass() || v.items.restored != c.items || v.uploads.restored != c.uploads || v.replayed != c.replays {
		t.Fatalf("the drill failed: %+v", v)
	}
}
