package buildcache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// cacheModule writes a main package that imports a package of its own
// module, which embeds files by pattern and has a file its build
// constraints leave out, and a test file.
func cacheModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":              "module example.com/cached\n\ngo 1.26\n",
		"main.go":             "package main\n\nimport \"example.com/cached/greet\"\n\nfunc main() { println(greet.Hello()) }\n",
		"greet/greet.go":      "package greet\n\nimport \"embed\"\n\n//go:embed msg/*.txt\nvar msgs embed.FS\n\nfunc Hello() string { b, _ := msgs.ReadFile(\"msg/a.txt\"); return string(b) }\n",
		"greet/other_x.go":    "//go:build never\n\npackage greet\n",
		"greet/greet_test.go": "package greet\n",
		"greet/msg/a.txt":     "hello",
	}
	for name, body := range files {
		write(t, filepath.Join(dir, name), body)
	}
	return dir
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildCounting builds s with a new Cache on root, as a new synth process
// would, and says whether it compiled.
func buildCounting(t *testing.T, root string, s Spec) (Asset, bool) {
	t.Helper()
	c := New(root)
	a, err := c.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return a, c.compiles > 0
}

// A later synth reuses the binary of an earlier one while nothing it is
// built from changed (a test file is not an input), and builds again after
// any change to what it is built from.
func TestCacheRebuildsExactlyWhenAnInputChanges(t *testing.T) {
	root := t.TempDir()
	dir := cacheModule(t)
	s := Spec{EntryDir: dir, GOARCH: "arm64"}
	first, compiled := buildCounting(t, root, s)
	if !compiled {
		t.Fatal("the first build did not compile")
	}
	again, compiled := buildCounting(t, root, s)
	if compiled || again != first {
		t.Fatalf("an unchanged handler was compiled again (%v) or moved: %+v vs %+v", compiled, again, first)
	}
	write(t, filepath.Join(dir, "greet", "greet_test.go"), "package greet\n\n// edited\n")
	if _, compiled := buildCounting(t, root, s); compiled {
		t.Error("editing a test file rebuilt the handler")
	}

	for _, change := range []struct {
		what string
		do   func()
	}{
		{"the main package", func() { write(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() { println(1) }\n") }},
		{"a package it imports", func() {
			write(t, filepath.Join(dir, "main.go"), "package main\n\nimport \"example.com/cached/greet\"\n\nfunc main() { println(greet.Hello()) }\n")
		}},
		{"a dependency's code", func() {
			write(t, filepath.Join(dir, "greet", "greet.go"), "package greet\n\nimport \"embed\"\n\n//go:embed msg/*.txt\nvar msgs embed.FS\n\nfunc Hello() string { return \"hi\" }\n")
		}},
		{"a new file in a dependency", func() { write(t, filepath.Join(dir, "greet", "more.go"), "package greet\n\nvar More = 1\n") }},
		{"an embedded file", func() { write(t, filepath.Join(dir, "greet", "msg", "a.txt"), "bonjour") }},
		{"a new file the embed pattern matches", func() { write(t, filepath.Join(dir, "greet", "msg", "b.txt"), "new") }},
		{"a file its build constraints leave out", func() {
			write(t, filepath.Join(dir, "greet", "other_x.go"), "//go:build !never\n\npackage greet\n\nvar Other = 2\n")
		}},
		{"go.mod", func() { write(t, filepath.Join(dir, "go.mod"), "module example.com/cached\n\ngo 1.26.0\n") }},
	} {
		change.do()
		if _, compiled := buildCounting(t, root, s); !compiled {
			t.Errorf("a change to %s did not rebuild the handler", change.what)
		}
		if _, compiled := buildCounting(t, root, s); compiled {
			t.Errorf("after the rebuild for %s, the next synth compiled again", change.what)
		}
	}

	tagged := s
	tagged.Tags = []string{"extra"}
	if _, compiled := buildCounting(t, root, tagged); !compiled {
		t.Error("other build tags reused the untagged binary")
	}
}

// A cached binary that no longer hashes to its name is built again.
func TestCacheRefusesAChangedBinary(t *testing.T) {
	root := t.TempDir()
	s := Spec{EntryDir: cacheModule(t), GOARCH: "arm64"}
	a, _ := buildCounting(t, root, s)
	bin := filepath.Join(a.Dir, "bootstrap")
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0xff
	if err := os.WriteFile(bin, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	b, compiled := buildCounting(t, root, s)
	if !compiled {
		t.Fatal("a damaged binary was reused")
	}
	if h, err := sha256File(filepath.Join(b.Dir, "bootstrap")); err != nil || h != b.Hash {
		t.Fatalf("the rebuilt asset %s hashes to %s (%v)", b.Hash, h, err)
	}
}

// Manifests unused for a month expire, and binaries no manifest names go
// after a grace period; the rest stay.
func TestCacheExpiry(t *testing.T) {
	root := t.TempDir()
	old := time.Now().Add(-manifestTTL - time.Hour)
	hash := func(c byte) string {
		b := make([]byte, 64)
		for i := range b {
			b[i] = c
		}
		return string(b)
	}
	keep, stale, orphan, fresh := hash('a'), hash('b'), hash('c'), hash('d')
	for _, h := range []string{keep, stale, orphan, fresh} {
		write(t, filepath.Join(root, h, "bootstrap"), "x")
	}
	write(t, filepath.Join(root, "manifests", "live.json"), `{"Hash":"`+keep+`"}`)
	write(t, filepath.Join(root, "manifests", "unused.json"), `{"Hash":"`+stale+`"}`)
	for _, p := range []string{filepath.Join(root, "manifests", "unused.json"), filepath.Join(root, keep), filepath.Join(root, stale), filepath.Join(root, orphan)} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := expire(root, time.Now()); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		filepath.Join(root, "manifests", "live.json"):   true,
		filepath.Join(root, "manifests", "unused.json"): false,
		filepath.Join(root, keep):                       true,
		filepath.Join(root, stale):                      false,
		filepath.Join(root, orphan):                     false,
		filepath.Join(root, fresh):                      true, // within the grace period
	} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", path, err == nil, want)
		}
	}
}

// Two Caches share no state: what one built and the `go env` it read are
// its own, so tests and parallel synths, each with its Cache, cannot see
// each other's builds. Only a folder given to both is shared, on disk.
func TestCachesShareNoState(t *testing.T) {
	s := Spec{EntryDir: cacheModule(t), GOARCH: "arm64"}
	rootA, rootB := t.TempDir(), t.TempDir()
	a, b := New(rootA), New(rootB)
	built := func(c *Cache) Asset {
		t.Helper()
		asset, err := c.Build(s)
		if err != nil {
			t.Fatal(err)
		}
		return asset
	}
	fromA := built(a)
	if a.compiles != 1 || b.compiles != 0 || len(b.built) != 0 || len(b.goEnvs) != 0 {
		t.Fatalf("after a build in one Cache: compiles %d and %d, the other holds %d builds and %d go envs",
			a.compiles, b.compiles, len(b.built), len(b.goEnvs))
	}
	fromB := built(b)
	if b.compiles != 1 {
		t.Errorf("a Cache on another folder reused a build it never made (compiles %d)", b.compiles)
	}
	if filepath.Dir(fromA.Dir) != rootA || filepath.Dir(fromB.Dir) != rootB || fromA.Hash != fromB.Hash {
		t.Errorf("assets %+v and %+v: want the same binary, each in its own Cache's folder", fromA, fromB)
	}

	// On one folder, a new Cache finds the build on disk; a Cache's memory is
	// its own: with the folder emptied, the first still answers and a new one
	// compiles.
	c := New(rootA)
	if built(c); c.compiles != 0 {
		t.Errorf("a new Cache on the same folder compiled an unchanged handler")
	}
	if err := os.RemoveAll(filepath.Join(rootA, "manifests")); err != nil {
		t.Fatal(err)
	}
	if built(a); a.compiles != 1 {
		t.Errorf("a Cache forgot its own build (compiles %d)", a.compiles)
	}
	d := New(rootA)
	if built(d); d.compiles != 1 {
		t.Errorf("a new Cache saw another Cache's builds in memory (compiles %d)", d.compiles)
	}

	// Without a folder, each Cache builds into a private one of its own.
	p, q := New(""), New("")
	if pa, qa := built(p), built(q); filepath.Dir(pa.Dir) == filepath.Dir(qa.Dir) {
		t.Errorf("two Caches without a folder share %s", filepath.Dir(pa.Dir))
	}
	t.Cleanup(func() { os.RemoveAll(p.private); os.RemoveAll(q.private) })
}
