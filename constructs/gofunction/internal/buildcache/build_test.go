package buildcache

import (
	"os"
	"path/filepath"
	"testing"
)

// writeModule writes a dependency-free main package in its own module under
// dir, as a checkout at that path would hold it.
func writeModule(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":  "module example.com/hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The same source at two checkout paths, built at two times, gives the same
// bytes and so the same asset hash.
func TestBuildIsReproducibleAcrossPaths(t *testing.T) {
	base := t.TempDir()
	root := t.TempDir()
	a, err := compile(Spec{EntryDir: writeModule(t, filepath.Join(base, "one", "checkout")), GOARCH: "arm64"}, root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compile(Spec{EntryDir: writeModule(t, filepath.Join(base, "another", "deeper", "clone")), GOARCH: "arm64"}, root)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash || a.Dir != b.Dir {
		t.Errorf("builds differ: %s vs %s", a.Hash, b.Hash)
	}
	entries, err := os.ReadDir(a.Dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "bootstrap" {
		t.Errorf("asset folder %s should hold only bootstrap, has %v (%v)", a.Dir, entries, err)
	}
}

func TestBuildCacheKeyCoversOptions(t *testing.T) {
	base := Spec{EntryDir: "/x", GOARCH: "arm64"}
	variants := []Spec{
		{EntryDir: "/y", GOARCH: "arm64"},
		{EntryDir: "/x", GOARCH: "amd64"},
		{EntryDir: "/x", GOARCH: "arm64", Tags: []string{"t"}},
		{EntryDir: "/x", GOARCH: "arm64", LDFlags: []string{"-X main.v=1"}},
		{EntryDir: "/x", GOARCH: "arm64", Env: map[string]string{"GOAMD64": "v3"}},
	}
	for _, v := range variants {
		if v.key() == base.key() {
			t.Errorf("%+v shares the cache key of %+v", v, base)
		}
	}
}
