package buildcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The handler cache: a synth compiles a handler only when something it is
// built from changed since an earlier synth (in any process) built it.
// `go build` of an unchanged handler still links a new binary every time
// (Go caches compiled packages, not `go build -o` executables, and cannot
// check a binary whose build id is stripped, as ours are); with four
// handlers that was most of a one-stage synth.
//
// Like ccache's direct mode, a build records its inputs in a manifest:
// every file of every package it depends on outside GOROOT and the
// read-only module cache (Go, assembly, C and embedded files, and the files
// its build constraints ignore), go.mod and go.sum (which pin everything in
// the module cache), the listing of each of those folders (a new file
// changes a package), and the Go toolchain and settings (`go env`). The
// manifest is keyed by the build spec; a later synth reuses the binary when
// every recorded file has the same SHA-256, every folder the same listing,
// and the binary itself still hashes to its name. The inputs are read
// before the build and checked again after it, so a file saved during a
// build is never recorded with the binary built from its older content.
//
// Manifests unused for 30 days go, and with them the binaries no manifest
// names.
const (
	manifestTTL = 30 * 24 * time.Hour
	// orphanGrace spares a binary no manifest names yet: another synth may
	// be between building it and recording it.
	orphanGrace = time.Hour
)

// manifest is what one build was made from.
type manifest struct {
	// Hash and Size are the binary's.
	Hash string
	Size int64
	// Files maps each input file's absolute path to the SHA-256 of its content.
	Files map[string]string
	// Dirs maps each input folder to the SHA-256 of its sorted entry names.
	Dirs map[string]string
}

// cacheID names the manifest of s: the spec and the Go toolchain and
// settings that build it (read in the entry's folder, with its env).
func (c *Cache) cacheID(s Spec) (string, goEnv, error) {
	env, err := c.readGoEnv(s)
	if err != nil {
		return "", env, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", s.key(), env.raw)
	return hex.EncodeToString(h.Sum(nil)), env, nil
}

// goEnv is `go env` for a build: what decides the bytes beyond the spec.
type goEnv struct {
	raw                               string
	GOMOD, GOWORK, GOMODCACHE, GOROOT string
}

// goEnvVars are the variables of goEnv.raw.
const goEnvVars = "GOVERSION GOROOT GOFLAGS GOEXPERIMENT GOARM64 GOAMD64 GOMOD GOWORK GOMODCACHE GOTOOLCHAIN GODEBUG"

// readGoEnv is `go env` for s, memoized in c by the entry's module folder,
// architecture and env (c.mu is held): the handlers of one module share one
// `go env`.
func (c *Cache) readGoEnv(s Spec) (goEnv, error) {
	memo := fmt.Sprintf("%s\x00%s\x00%s", moduleDir(s.EntryDir), s.GOARCH, Spec{Env: s.Env}.key())
	if e, ok := c.goEnvs[memo]; ok {
		return e, nil
	}
	cmd := exec.Command("go", append([]string{"env", "-json"}, strings.Fields(goEnvVars)...)...)
	cmd.Dir, cmd.Env = s.EntryDir, buildEnv(s)
	out, err := cmd.Output()
	if err != nil {
		return goEnv{}, fmt.Errorf("go env: %v", err)
	}
	var e goEnv
	if err := json.Unmarshal(out, &e); err != nil {
		return goEnv{}, fmt.Errorf("go env: %v", err)
	}
	e.raw = string(out)
	c.goEnvs[memo] = e
	return e, nil
}

// moduleDir is the folder of the go.mod above dir ("" when there is none).
func moduleDir(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// inputs lists and hashes what s is built from (see the comment above).
func inputs(s Spec, env goEnv) (manifest, error) {
	fields := "Dir,Standard,GoFiles,CgoFiles,SFiles,HFiles,CFiles,CXXFiles,SysoFiles,EmbedFiles,IgnoredGoFiles,IgnoredOtherFiles"
	cmd := exec.Command("go", "list", "-deps", "-json="+fields, "-tags", strings.Join(append([]string{"lambda.norpc"}, s.Tags...), ","), ".")
	cmd.Dir, cmd.Env = s.EntryDir, buildEnv(s)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return manifest{}, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	m := manifest{Files: map[string]string{}, Dirs: map[string]string{}}
	for _, f := range []string{env.GOMOD, filepath.Join(filepath.Dir(env.GOMOD), "go.sum"), env.GOWORK, env.GOWORK + ".sum"} {
		if filepath.IsAbs(f) && f != os.DevNull {
			m.Files[f] = ""
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			Dir      string
			Standard bool
			GoFiles, CgoFiles, SFiles, HFiles, CFiles, CXXFiles, SysoFiles,
			EmbedFiles, IgnoredGoFiles, IgnoredOtherFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return manifest{}, fmt.Errorf("go list: %v", err)
		}
		if p.Standard || p.Dir == "" || within(p.Dir, env.GOMODCACHE) || within(p.Dir, env.GOROOT) {
			continue
		}
		m.Dirs[p.Dir] = ""
		for _, f := range slices.Concat(p.GoFiles, p.CgoFiles, p.SFiles, p.HFiles, p.CFiles, p.CXXFiles, p.SysoFiles,
			p.EmbedFiles, p.IgnoredGoFiles, p.IgnoredOtherFiles) {
			path := filepath.Join(p.Dir, f)
			m.Files[path] = ""
			m.Dirs[filepath.Dir(path)] = "" // an embedded file's folder: a new file may match the pattern
		}
	}
	return m, m.hash()
}

func within(dir, root string) bool {
	return root != "" && (dir == root || strings.HasPrefix(dir, root+string(filepath.Separator)))
}

// hash fills in the hashes of m's files and folders.
func (m manifest) hash() error {
	for f := range m.Files {
		h, err := hashFile(f)
		if err != nil {
			return err
		}
		m.Files[f] = h
	}
	for d := range m.Dirs {
		h, err := hashDir(d)
		if err != nil {
			return err
		}
		m.Dirs[d] = h
	}
	return nil
}

// current reports whether every input of m is as m recorded it.
func (m manifest) current() bool {
	for f, want := range m.Files {
		if h, err := hashFile(f); err != nil || h != want {
			return false
		}
	}
	for d, want := range m.Dirs {
		if h, err := hashDir(d); err != nil || h != want {
			return false
		}
	}
	return true
}

// hashFile is the SHA-256 of a file, or "absent" for a file that does not exist.
func hashFile(path string) (string, error) {
	h, err := sha256File(path)
	if os.IsNotExist(err) {
		return "absent", nil
	}
	return h, err
}

func hashDir(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries {
		fmt.Fprintf(h, "%s\x00%v\n", e.Name(), e.IsDir())
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lookup returns the build recorded under id in root, if its inputs and
// its binary are unchanged.
func lookup(root, id string) (Asset, bool) {
	path := manifestPath(root, id)
	raw, err := os.ReadFile(path)
	if err != nil {
		return Asset{}, false
	}
	var m manifest
	if json.Unmarshal(raw, &m) != nil || !validHash(m.Hash) || !m.current() {
		return Asset{}, false
	}
	dir := filepath.Join(root, m.Hash)
	bin := filepath.Join(dir, "bootstrap")
	if st, err := os.Stat(bin); err != nil || st.Size() != m.Size {
		return Asset{}, false
	}
	if h, err := sha256File(bin); err != nil || h != m.Hash {
		return Asset{}, false
	}
	now := time.Now()
	_ = os.Chtimes(path, now, now) // in use: not expired
	return Asset{Dir: dir, Hash: m.Hash}, true
}

// record saves m for id, if its inputs are still those the build read, and
// expires old manifests and the binaries no manifest names.
func record(root, id string, m manifest, a Asset) error {
	if !m.current() {
		return nil // a file changed during the build: the binary may predate it
	}
	st, err := os.Stat(filepath.Join(a.Dir, "bootstrap"))
	if err != nil {
		return err
	}
	m.Hash, m.Size = a.Hash, st.Size()
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	path := manifestPath(root, id)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "manifest-")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(raw)
	if err := tmp.Close(); werr != nil || err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing a manifest: %v %v", werr, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return expire(root, time.Now())
}

// validHash reports whether h is a SHA-256 in lower-case hex: the name of a
// binary's folder.
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, r := range h {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

func manifestPath(root, id string) string {
	return filepath.Join(root, "manifests", id+".json")
}

// expire removes manifests unused for manifestTTL, then binary folders that
// no manifest names and that are older than orphanGrace.
func expire(root string, now time.Time) error {
	dir := filepath.Join(root, "manifests")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	named := map[string]bool{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		if now.Sub(info.ModTime()) > manifestTTL {
			os.Remove(path)
			continue
		}
		var m manifest
		if raw, err := os.ReadFile(path); err == nil && json.Unmarshal(raw, &m) == nil {
			named[m.Hash] = true
		}
	}
	bins, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	for _, e := range bins {
		info, err := e.Info()
		if err != nil || !e.IsDir() || !validHash(e.Name()) || named[e.Name()] || now.Sub(info.ModTime()) < orphanGrace {
			continue
		}
		os.RemoveAll(filepath.Join(root, e.Name()))
	}
	return nil
}
