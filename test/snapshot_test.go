package test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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

// functionVersion matches the hash in a function version's logical id
// (Function.CurrentVersion: "<function>CurrentVersion<8 hex of the path><hash>"),
// which CDK derives from the function's properties, its code's asset hash
// among them: a new id exactly when the bytes or the settings change.
var functionVersion = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32,40}\b`)

func normalize(template []byte) []byte {
	out := assetHash.ReplaceAll(template, []byte("<ASSET-HASH>"))
	out = functionVersion.ReplaceAll(out, []byte("$1<CODE-HASH>"))
	return assetDestination.ReplaceAll(out, []byte("$1-<DESTINATION>"))
}

// snapshotted is every stack that has a golden template, by its name under
// test/testdata: the app's stacks, and those of the stage built with a
// domain under with-domain/ (diff the two Dev folders to see what a
// domain adds).
func snapshotted() map[string]awscdk.Stack {
	out := map[string]awscdk.Stack{}
	for _, s := range built.Stacks {
		out[stackID(s)] = s
	}
	for _, s := range withDomain.Stacks() {
		out["with-domain/"+stackID(s)] = s
	}
	return out
}

func TestSnapshots(t *testing.T) {
	for id, s := range snapshotted() {
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
	for id := range snapshotted() {
		want[filepath.Join("test", "testdata", id+".template.json")] = true
	}
	var files []string
	for _, pattern := range []string{"*.template.json", "*/*.template.json", "*/*/*.template.json"} {
		found, _ := filepath.Glob(filepath.Join("test", "testdata", pattern))
		files = append(files, found...)
	}
	if len(files) < len(want) {
		t.Errorf("found %d golden templates for %d stacks: is a pattern missing?", len(files), len(want))
	}
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

// The files a bucket deployment generates at deploy time (s3deploy's Source.jsonData: the site's
// config.json) are snapshotted beside their stack's template, one folder per source with markers,
// <stack>.<deployment>.source<i>: what the local stack serves (package mapping reads them there
// from a folder of templates) and what a review sees change.
func TestSiteSourceSnapshots(t *testing.T) {
	for id, s := range snapshotted() {
		raw, err := os.ReadFile(templatePath(s))
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct {
			Resources map[string]struct {
				Type       string
				Properties struct {
					SourceObjectKeys []string
					SourceMarkers    []map[string]any
				}
			}
		}
		if err := json.Unmarshal(raw, &tmpl); err != nil {
			t.Fatal(err)
		}
		for logical, r := range tmpl.Resources {
			if r.Type != "Custom::CDKBucketDeployment" {
				continue
			}
			for i, markers := range r.Properties.SourceMarkers {
				if len(markers) == 0 {
					continue
				}
				asset := filepath.Join(assemblyRoot(s), "asset."+strings.TrimSuffix(r.Properties.SourceObjectKeys[i], ".zip"))
				golden := filepath.Join("test", "testdata", fmt.Sprintf("%s.%s.source%d", id, logical, i))
				compareTree(t, asset, golden)
			}
		}
	}
}

// assemblyRoot is the top-level assembly folder of s, which holds the assets of every stage: a
// stage's assembly (assembly-<Stage>) is a folder inside it.
func assemblyRoot(s awscdk.Stack) string {
	stage := awscdk.Stage_Of(s)
	if *stage.StageName() == "" {
		return *stage.Outdir()
	}
	return filepath.Dir(*stage.Outdir())
}

// compareTree checks (or, with -update, writes) the files of folder got against golden's.
func compareTree(t *testing.T, got, golden string) {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(got, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(got, path)
		files[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for rel, body := range files {
			path := filepath.Join(golden, rel)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for rel, body := range files {
		want, err := os.ReadFile(filepath.Join(golden, rel))
		if err != nil {
			t.Errorf("no golden %s (run `make snapshot`): %v", filepath.Join(golden, rel), err)
		} else if string(want) != string(body) {
			t.Errorf("%s drifted from its snapshot; if the change is intended, run `make snapshot`:\nwant %s\ngot  %s", filepath.Join(golden, rel), want, body)
		}
	}
}
