// Package buildcache builds Go main packages into Lambda `bootstrap`
// binaries for gofunction, and keeps them so that a build runs only when
// something it is built from changed.
//
//	c := buildcache.InUserCacheDir()
//	a, err := c.Build(buildcache.Spec{EntryDir: "/abs/lambdas/api", GOARCH: "arm64"})
//	// a.Dir holds exactly one file, bootstrap; a.Hash is its SHA-256.
//
// A Cache remembers what it built (one `go build` per Spec and Cache) and
// the `go env` of each module, and records every build in its folder with a
// manifest of its inputs, so that a later Cache on the same folder (a later
// synth) reuses the binary while those inputs are unchanged (manifest.go).
//
// There is no package-level state: every Cache is a value of its own,
// created explicitly, and two Caches share only what they share on disk
// (nothing, in different folders). gofunction gives each construct tree
// (each CDK App) one Cache, owned by the App and living as long as it does:
// the stages of one App share their binaries, while two Apps in one process
// (tests, parallel synths) never see each other's builds in memory. The
// folder is the persistent part, shared on purpose between synths, and safe
// for concurrent processes: binaries and manifests are written to a
// temporary name and renamed into place.
package buildcache

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
)

// Spec is everything that decides the bytes of a bootstrap binary.
type Spec struct {
	EntryDir string // absolute path of the main package
	GOARCH   string // amd64 or arm64
	Tags     []string
	LDFlags  []string
	Env      map[string]string
}

func (s Spec) key() string {
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%s", s.EntryDir, s.GOARCH, strings.Join(s.Tags, ","), strings.Join(s.LDFlags, " "))
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, s.Env[k])
	}
	return b.String()
}

// Asset is a folder holding exactly one file, bootstrap, and the SHA-256
// of that file, used as the asset hash.
type Asset struct {
	Dir  string
	Hash string
}

// Cache builds Specs and keeps their binaries. It is safe for concurrent
// use; its builds run one at a time. Create it with New or InUserCacheDir.
type Cache struct {
	root string // the folder of binaries and manifests; "" for none

	mu       sync.Mutex
	built    map[string]Asset // by Spec.key: one go build per spec and Cache
	goEnvs   map[string]goEnv // readGoEnv by module folder, architecture and env
	private  string           // without a usable root: a temporary folder of this Cache's, made once
	compiles int              // `go build` runs (for tests)
}

// New returns a Cache keeping its binaries and their manifests in root
// (created 0700 when missing). With root "", or a root that cannot be
// created, it builds into a private temporary folder and records nothing.
func New(root string) *Cache {
	return &Cache{root: root, built: map[string]Asset{}, goEnvs: map[string]goEnv{}}
}

// InUserCacheDir returns a Cache in the user's cache folder,
// os.UserCacheDir()/stratus/gofunction (~/.cache/stratus/gofunction on
// Linux), private to the user: another account cannot plant a binary in it.
// Without a user cache folder (no $HOME) it builds into a private
// temporary folder, as New("") does.
func InUserCacheDir() *Cache {
	dir, err := os.UserCacheDir()
	if err != nil {
		return New("")
	}
	return New(filepath.Join(dir, "stratus", "gofunction"))
}

// Build returns the binary of s: this Cache's, an earlier build's in the
// same folder whose inputs are unchanged, or a new one. The error of a
// failed build quotes the compiler.
func (c *Cache) Build(s Spec) (Asset, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.built[s.key()]; ok {
		return a, nil
	}
	a, err := c.buildCached(s)
	if err != nil {
		return Asset{}, err
	}
	c.built[s.key()] = a
	return a, nil
}

func (c *Cache) buildCached(s Spec) (Asset, error) {
	root := c.root
	if root == "" || os.MkdirAll(root, 0o700) != nil {
		// No folder to keep builds in: a private one for this Cache.
		private, err := c.privateRoot()
		if err != nil {
			return Asset{}, err
		}
		return c.compile(s, private)
	}
	id, env, err := c.cacheID(s)
	if err != nil {
		return c.compile(s, root) // its error says more than go env's
	}
	if a, ok := lookup(root, id); ok {
		return a, nil
	}
	in, inErr := inputs(s, env)
	a, err := c.compile(s, root)
	if err != nil {
		return Asset{}, err
	}
	if inErr == nil {
		// Best effort: failing to record costs the next synth a build, nothing else.
		_ = record(root, id, in, a)
	}
	return a, nil
}

func (c *Cache) privateRoot() (string, error) {
	if c.private == "" {
		dir, err := os.MkdirTemp("", "stratus-gofunction-")
		if err != nil {
			return "", err
		}
		c.private = dir
	}
	return c.private, nil
}

// compile counts and runs one `go build`.
func (c *Cache) compile(s Spec, root string) (Asset, error) {
	c.compiles++
	return compile(s, root)
}

// compile builds s into a content-addressed folder under root, so the
// asset path and hash depend only on the binary's bytes, never on the
// checkout path or the time of the build.
func compile(s Spec, root string) (Asset, error) {
	work, err := os.MkdirTemp(root, "build-")
	if err != nil {
		return Asset{}, err
	}
	defer os.RemoveAll(work)
	out := filepath.Join(work, "bootstrap")

	tags := append([]string{"lambda.norpc"}, s.Tags...)
	ldflags := append([]string{"-s", "-w", "-buildid="}, s.LDFlags...)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false",
		"-tags", strings.Join(tags, ","),
		"-ldflags", strings.Join(ldflags, " "),
		"-o", out, ".")
	cmd.Dir, cmd.Env = s.EntryDir, buildEnv(s)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return Asset{}, fmt.Errorf("go build failed (%v):\n%s", err, strings.TrimSpace(output.String()))
	}
	if err := checkELF(out, s.GOARCH); err != nil {
		return Asset{}, err
	}

	hash, err := sha256File(out)
	if err != nil {
		return Asset{}, err
	}
	dir := filepath.Join(root, hash)
	if h, err := sha256File(filepath.Join(dir, "bootstrap")); err == nil && h == hash {
		return Asset{Dir: dir, Hash: hash}, nil
	} else if err == nil {
		os.RemoveAll(dir) // damaged: replace it
	}
	if err := os.Chmod(out, 0o755); err != nil {
		return Asset{}, err
	}
	// Rename the whole work folder into place: atomic, so a concurrent synth
	// never sees a half-written bootstrap.
	if err := os.Rename(work, dir); err != nil && !os.IsExist(err) {
		if _, statErr := os.Stat(filepath.Join(dir, "bootstrap")); statErr != nil {
			return Asset{}, err
		}
	}
	return Asset{Dir: dir, Hash: hash}, nil
}

// buildEnv is the environment `go build` runs with for s.
func buildEnv(s Spec) []string {
	env := append(os.Environ(), "GOOS=linux", "GOARCH="+s.GOARCH, "CGO_ENABLED=0")
	for k, v := range s.Env {
		env = append(env, k+"="+v)
	}
	return env
}

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
