package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
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
