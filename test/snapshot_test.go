package test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata (make snapshot)")

// assetHash matches the SHA-256 asset hashes in S3 keys and asset paths: a
// different Go or Node version builds different bytes, and a snapshot should
// change only when the infrastructure does.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// assetDestination matches the pipeline's asset-publishing selectors,
// "<hash>:<account>-<region>-<8 hex derived from the asset>".
var assetDestination = regexp.MustCompile(`(<ASSET-HASH>:[0-9]+-[a-z0-9-]+?)-[0-9a-f]{8}\b`)

func normalize(template []byte) []byte {
	out := assetHash.ReplaceAll(template, []byte("<ASSET-HASH>"))
	return assetDestination.ReplaceAll(out, []byte("$1-<DESTINATION>"))
}

func TestSnapshots(t *testing.T) {
	for _, s := range built.Stacks {
		id := stackID(s)
		t.Run(id, func(t *testing.T) {
			raw, err := os.ReadFile(templatePath(s))
			if err != nil {
				t.Fatal(err)
			}
			got := normalize(raw)
			golden := filepath.Join("test", "testdata", id+".template.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("no golden template for %s (run `make snapshot`): %v", id, err)
			}
			if string(want) != string(got) {
				diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
					A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(got)),
					FromFile: golden, ToFile: "synthesized", Context: 3,
				})
				t.Errorf("%s drifted from its snapshot; if the change is intended, run `make snapshot`:\n%s", id, diff)
			}
		})
	}
}

// Every golden template belongs to a stack that still exists: a removed
// stack must not leave a stale snapshot that reviews would trust.
func TestNoStaleSnapshots(t *testing.T) {
	want := map[string]bool{}
	for _, s := range built.Stacks {
		want[filepath.Join("test", "testdata", stackID(s)+".template.json")] = true
	}
	files, _ := filepath.Glob(filepath.Join("test", "testdata", "*", "*.template.json"))
	for _, f := range files {
		if !want[f] {
			if *update {
				os.Remove(f)
				continue
			}
			t.Errorf("%s has no stack any more (run `make snapshot`)", f)
		}
	}
}
