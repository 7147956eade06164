package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stratus-cdk/stratus/internal/analysis/cfnlint"
)

// The README's snippet for using the constructs is the marked region of the
// example module's stack, word for word: that module's tests build and
// synthesize it (with both cdk-nag packs), so the snippet compiles and works.
func TestReadmeSnippetIsTheExample(t *testing.T) {
	const (
		heading = "## Using the constructs in your own Go CDK app"
		example = "examples/team-app/stack.go"
		begin   = "// readme:begin\n"
		end     = "// readme:end"
	)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	section, ok := strings.CutPrefix(string(readme)[max(0, strings.Index(string(readme), heading)):], heading)
	if !ok {
		t.Fatalf("README.md has no section %q", heading)
	}
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatalf("README.md's section %q has no go code block", heading)
	}

	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	_, region, ok := strings.Cut(string(src), begin)
	region, _, closed = strings.Cut(region, end)
	if !ok || !closed {
		t.Fatalf("%s has no region between %q and %q", example, strings.TrimSpace(begin), end)
	}
	if want, got := strings.TrimSpace(region), strings.TrimSpace(block); got != want {
		t.Errorf("README.md's snippet differs from the region of %s; copy the region into the README:\n%s", example, diffLines(want, got))
	}
}

// diffLines names the first line where got differs from want.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  example: " + wl + "\n  README:  " + gl
		}
	}
	return ""
}

// The README's prerequisites pin the cfn-lint the exceptions were written
// for (.ci/run and the pipeline read cfnlint.Version itself).
func TestReadmePinsCfnLint(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "pip install cfn-lint==" + cfnlint.Version; !strings.Contains(string(readme), want) {
		t.Errorf("README.md's prerequisites do not say %q", want)
	}
	run, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(run), `sed -n 's/^const Version = "\(.*\)"$/\1/p' internal/analysis/cfnlint/cfnlint.go`) {
		t.Error(".ci/run no longer reads the pinned version from internal/analysis/cfnlint/cfnlint.go")
	}
}
