package gofunction

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// buildSpec is everything that decides the bytes of a bootstrap binary.
type buildSpec struct {
	entryDir string // absolute path of the main package
	goarch   string // amd64 or arm64
	tags     []string
	ldflags  []string
	env      map[string]string
}

func (s buildSpec) key() string {
	keys := make([]string, 0, len(s.env))
	for k := range s.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%s", s.entryDir, s.goarch, strings.Join(s.tags, ","), strings.Join(s.ldflags, " "))
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, s.env[k])
	}
	return b.String()
}

// builtAsset is a folder holding exactly one file, bootstrap, and the
// SHA-256 of that file, used as the asset hash.
type builtAsset struct {
	dir  string
	hash string
}

var (
	buildMu    sync.Mutex
	buildCache = map[string]builtAsset{} // one go build per spec and process: stages reuse the same binary
)

// build returns the binary of s: this process's, an earlier synth's whose
// inputs are unchanged (cache.go), or a new one.
func build(s buildSpec) (builtAsset, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if a, ok := buildCache[s.key()]; ok {
		return a, nil
	}
	a, err := buildCached(s)
	if err != nil {
		return builtAsset{}, err
	}
	buildCache[s.key()] = a
	return a, nil
}

func buildCached(s buildSpec) (builtAsset, error) {
	root, err := cacheRoot()
	if err == nil {
		err = os.MkdirAll(root, 0o700)
	}
	if err != nil {
		// No user cache folder (no $HOME): a private folder for this process.
		if root, err = privateRoot(); err != nil {
			return builtAsset{}, err
		}
		return compile(s, root)
	}
	id, env, err := cacheID(s)
	if err != nil {
		return compile(s, root) // its error says more than go env's
	}
	if a, ok := lookup(root, id); ok {
		return a, nil
	}
	in, inErr := inputs(s, env)
	a, err := compile(s, root)
	if err != nil {
		return builtAsset{}, err
	}
	if inErr == nil {
		// Best effort: failing to record costs the next synth a build, nothing else.
		_ = record(root, id, in, a)
	}
	return a, nil
}

var fallbackRoot string

func privateRoot() (string, error) {
	if fallbackRoot == "" {
		dir, err := os.MkdirTemp("", "stratus-gofunction-")
		if err != nil {
			return "", err
		}
		fallbackRoot = dir
	}
	return fallbackRoot, nil
}

// compile builds s into a content-addressed folder under root, so the
// asset path and hash depend only on the binary's bytes, never on the
// checkout path or the time of the build.
func compile(s buildSpec, root string) (builtAsset, error) {
	compiles.Add(1)
	work, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return builtAsset{}, err
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "bootstrap")

	tags := append([]string{"lambda.norpc"}, s.tags...)
	ldflags := append([]string{"-s", "-w", "-buildid="}, s.ldflags...)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-tags", strings.Join(tags, ","),
		"-ldflags", strings.Join(ldflags, " "),
		"-o", out, ".")
	cmd.Dir, cmd.Env = s.entryDir, buildEnv(s)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return builtAsset{}, fmt.Errorf("go build failed (%v):\n%s", err, strings.TrimSpace(output.String()))
	}
	if err := checkELF(out, s.goarch); err != nil {
		return builtAsset{}, err
	}

	hash, err := sha256File(out)
	if err != nil {
		return builtAsset{}, err
	}
	dir := filepath.Join(root, hash)
	if h, err := sha256File(filepath.Join(dir, "bootstrap")); err == nil && h == hash {
		return builtAsset{dir: dir, hash: hash}, nil
	} else if err == nil {
		os.RemoveAll(dir) // damaged: replace it
	}
	if err := os.Chmod(out, 0o755); err != nil {
		return builtAsset{}, err
	}
	// Rename the whole work folder into place: atomic, so a concurrent synth
	// never sees a half-written bootstrap.
	if err := os.Rename(work, dir); err != nil && !os.IsExist(err) {
		if _, statErr := os.Stat(filepath.Join(dir, "bootstrap")); statErr != nil {
			return builtAsset{}, err
		}
	}
	return builtAsset{dir: dir, hash: hash}, nil
}

// compiles counts the `go build` runs of this process (for tests).
var compiles atomic.Int32

// checkELF proves the output is a Linux executable for the target
// architecture: `go build -o` on a package that is not `main` writes an
// archive instead, which Lambda could not start.
func checkELF(path, goarch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("the build output is not an executable (is the entry a `package main`?): %v", err)
	}
	defer f.Close()
	want := map[string]elf.Machine{"arm64": elf.EM_AARCH64, "amd64": elf.EM_X86_64}[goarch]
	if f.Machine != want || f.Type != elf.ET_EXEC {
		return fmt.Errorf("the build output is a %v %v, want an executable for %v", f.Type, f.Machine, want)
	}
	return nil
}

func sha256File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
