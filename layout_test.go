package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The README's Layout section and the Go packages of the module agree: every
// folder holding Go code is listed, and every listed folder exists. A
// continuation line ("  a/ b/") lists sub-folders of the line above it.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	listed := readmeLayout(t)
	var missing []string
	for _, dir := range goPackageDirs(t) {
		if !listed[dir] {
			missing = append(missing, dir)
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md's Layout section does not list these Go packages:\n  %s", strings.Join(missing, "\n  "))
	}
	for dir := range listed {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("README.md's Layout section lists %s/, which does not exist", dir)
		}
	}
}

var layoutEntry = regexp.MustCompile(`^(\s*)([\w./-]+/)(.*)$`)

// readmeLayout returns the folders (without trailing slash) that the
// README's Layout block names.
func readmeLayout(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "## Layout")
	if start < 0 {
		t.Fatal("README.md has no Layout section")
	}
	block := text[start:]
	open := strings.Index(block, "```\n")
	end := strings.Index(block[open+4:], "```")
	if open < 0 || end < 0 {
		t.Fatal("README.md's Layout section has no code block")
	}
	out := map[string]bool{}
	parent := ""
	for _, line := range strings.Split(block[open+4:open+4+end], "\n") {
		m := layoutEntry.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if m[1] == "" {
			parent = strings.TrimSuffix(m[2], "/")
			out[parent] = true
			continue
		}
		// A continuation line: sub-folders up to the two-space gap before the description.
		names, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
		for _, name := range strings.Fields(names) {
			out[parent+"/"+strings.TrimSuffix(name, "/")] = true
		}
	}
	return out
}

// goPackageDirs lists the folders of this module that hold Go files, except
// test data, dependencies and separate modules.
func goPackageDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "testdata", ".git", "cdk.out", ".tmp", "bin", "web":
				return filepath.SkipDir
			}
			if path != "." {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // a module of its own
				}
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && filepath.Dir(path) != "." {
			seen[filepath.ToSlash(filepath.Dir(path))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(seen))
	for dir := range seen {
		out = append(out, dir)
	}
	sort.Strings(out)
	return out
}

// The reusable constructs know nothing of the app that uses them: no package
// under constructs/, nor its tests, depends on contract, stacks or anything
// under lambdas (the names a construct hands to code it runs are props,
// which stacks fills from contract).
func TestConstructsDependOnNoAppPackage(t *testing.T) {
	const module = "github.com/stratus-cdk/stratus/"
	out, err := exec.Command("go", "list", "./constructs/...").Output()
	if err != nil {
		t.Fatalf("go list ./constructs/...: %v", err)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		t.Fatal("go list ./constructs/... lists no package")
	}
	for _, pkg := range pkgs {
		deps, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps -test %s: %v", pkg, err)
		}
		var bad []string
		for _, dep := range strings.Fields(string(deps)) {
			rest, ok := strings.CutPrefix(dep, module)
			if !ok {
				continue
			}
			for _, app := range []string{"contract", "stacks", "lambdas"} {
				if rest == app || strings.HasPrefix(rest, app+"/") {
					bad = append(bad, dep)
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s depends on the app's packages (make what it needs a prop):\n  %s", pkg, strings.Join(bad, "\n  "))
		}
	}
}

// A path tells whether code is deployed, dev-only or test-only, and the
// imports keep it so: what a function is built from (lambdas/<fn>,
// lambdas/internal/app/...) depends on no dev-only or test-only package, and
// dev-only code (lambdas/internal/local/..., lambdas/cmd/...) on no test-only
// one. Tests may import anything.
func TestDeployedCodeImportsNoDevOrTestCode(t *testing.T) {
	const module = "github.com/stratus-cdk/stratus/"
	const (
		devOnly  = "lambdas/internal/local/"
		devCmd   = "lambdas/cmd/"
		testOnly = "lambdas/internal/testkit/"
	)
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./lambdas/...").Output()
	if err != nil {
		t.Fatalf("go list ./lambdas/...: %v", err)
	}
	deployed := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		var forbidden []string
		switch {
		case strings.HasPrefix(pkg, testOnly):
			continue
		case strings.HasPrefix(pkg, devOnly), strings.HasPrefix(pkg, devCmd):
			forbidden = []string{testOnly}
		default: // lambdas/<fn> and lambdas/internal/app/...
			deployed++
			forbidden = []string{devOnly, devCmd, testOnly}
		}
		var bad []string
		for _, dep := range fields[1:] {
			rest, ok := strings.CutPrefix(dep, module)
			if !ok {
				continue
			}
			for _, f := range forbidden {
				if strings.HasPrefix(rest, f) {
					bad = append(bad, dep)
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s may not depend on these (%s):\n  %s", pkg, strings.Join(forbidden, ", "), strings.Join(bad, "\n  "))
		}
	}
	if deployed == 0 {
		t.Fatal("go list ./lambdas/... lists no deployed package")
	}
}

// internal/ is split by audience: internal/synth/ is what constructs and
// stacks use while synthesizing, internal/analysis/ (and its public face,
// analysis/) what reads an assembly afterwards. The reusable constructs and
// the synth helpers never depend on the analysis side, so a team importing a
// construct does not build the release tooling (cgo's PostgreSQL parser, the
// resource schemas). stacks may: the pipeline installs the cfn-lint version
// internal/analysis/cfnlint pins.
func TestSynthCodeDependsOnNoAnalysisPackage(t *testing.T) {
	const module = "github.com/stratus-cdk/stratus/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./constructs/...", "./internal/synth/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("go list lists %d packages under constructs/ and internal/synth/", len(lines))
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		var bad []string
		for _, dep := range fields[1:] {
			rest, ok := strings.CutPrefix(dep, module)
			if ok && (strings.HasPrefix(rest, "internal/analysis/") || strings.HasPrefix(rest, "analysis/")) {
				bad = append(bad, dep)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s is synth-side but depends on the analysis tooling:\n  %s", fields[0], strings.Join(bad, "\n  "))
		}
	}
}
