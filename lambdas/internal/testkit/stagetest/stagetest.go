// Package stagetest gives tests the synthesized templates of each stage without a synth: the
// golden snapshots under test/testdata/<Stage>, which the snapshot test (go test ./test) keeps equal
// to what `make synth` writes, and copies of them with a setting changed, to show the local stack
// follow a template.
package stagetest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Stages are the app's stages, in deployment order; a new slice each call.
func Stages() []string { return []string{"Dev", "Staging", "Prod"} }

// Golden is the folder of stage's golden templates.
func Golden(stage string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "test", "testdata", stage)
}

// Mutated copies the templates in src (and the folders beside them) into a new temporary folder, calling change with each
// resource (a map with Type and Properties) so that it may edit it; it returns "" when change
// reported no edit.
func Mutated(t testing.TB, src string, change func(resource map[string]any) bool) string {
	t.Helper()
	dir := t.TempDir()
	changed := false
	files, _ := filepath.Glob(filepath.Join(src, "*.template.json"))
	for _, f := range files {
		var tmpl map[string]any
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatal(err)
		}
		res, _ := tmpl["Resources"].(map[string]any)
		for _, r := range res {
			if change(r.(map[string]any)) {
				changed = true
			}
		}
		out, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !changed {
		return ""
	}
	// The folders beside the templates (the site's generated files) are copied as they are.
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		if e.IsDir() {
			if err := os.CopyFS(filepath.Join(dir, e.Name()), os.DirFS(filepath.Join(src, e.Name()))); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// Props is a resource's Properties, as Mutated hands it over.
func Props(resource map[string]any) map[string]any {
	p, _ := resource["Properties"].(map[string]any)
	return p
}
