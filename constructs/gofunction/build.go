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

// build compiles the spec into a content-addressed folder under the OS temp
// directory, so the asset path and hash depend only on the binary's bytes,
// never on the checkout path or the time of the build.
func build(s buildSpec) (builtAsset, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if a, ok := buildCache[s.key()]; ok {
		return a, nil
	}
	a, err := compile(s)
	if err != nil {
		return builtAsset{}, err
	}
	buildCache[s.key()] = a
	return a, nil
}

func compile(s buildSpec) (builtAsset, error) {
	root := filepath.Join(os.TempDir(), "stratus-gofunction")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return builtAsset{}, err
	}
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
	cmd.Dir = s.entryDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+s.goarch, "CGO_ENABLED=0")
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
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
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
		return builtAsset{dir: dir, hash: hash}, nil
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
