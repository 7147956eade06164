package main

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"
)

// The short form of the restore drill, in `make test`: items and uploads written through the API,
// backed up, destroyed, restored, and every acknowledged one found once.
func TestShortRestoreDrill(t *testing.T) {
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
	if !v.pass() || v.items.restored != c.items || v.uploads.restored != c.uploads || v.replayed != c.replays {
		t.Fatalf("the drill failed: %+v", v)
	}
}
