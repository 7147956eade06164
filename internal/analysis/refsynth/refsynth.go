// Package refsynth synthesizes the app offline into a cloud assembly, as it
// is in a working tree or as it was at any git ref, with the same settings
// the stack tests use, so that their templates compare with each other and
// with the committed locks. `make diff` (cmd/stratusdiff) and `make lock`
// (cmd/stratuslock) use it; so can any tool that needs the app's templates
// at two points in history.
//
// # How a ref is synthesized
//
// Ref checks REF out into a temporary `git worktree` (detached, removed by
// Close), builds that tree's own bin/stratus and runs it. Two things come
// from the tree the command runs in, to save minutes: node_modules is
// linked (the pinned npm tools, should the ref's synth call one) and the
// web app's built bundle web/dist is copied (the site's bucket deployment
// packages it). The web bundle is not infrastructure: using today's for
// both sides keeps its asset hash, and any template that depends on it,
// out of the comparison. Go handlers are built from the ref's own source,
// so a handler change shows as a changed asset.
//
// # Settings
//
// The binary runs without the CDK CLI: CDK_OUTDIR names the output and
// CDK_CONTEXT_JSON carries the context, which is the tree's cdk.json
// context plus Context's fixed account (so the pipeline stack is built) and
// region. The environment's CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION are
// dropped: the output does not depend on who runs it. The app looks nothing
// up (its Availability Zones come from its typed configuration); a tree whose
// synth asks for a context lookup anyway (an assembly manifest lists
// "missing" context, e.g. a ref from before that, whose cdk.json lacks the
// zones) is an error naming the keys, rather than templates built from
// CDK's dummy values.
package refsynth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Account and Region are the fixed environment of every reference synth.
const (
	Account = "111111111111"
	Region  = "eu-west-1"
)

// Context is the CDK context of a reference synth of the tree whose
// cdk.json is given: its "context" (the feature flags), and the account and
// region the app reads.
func Context(cdkJSON string) (map[string]any, error) {
	raw, err := os.ReadFile(cdkJSON)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %v", cdkJSON, err)
	}
	ctx := cfg.Context
	if ctx == nil {
		ctx = map[string]any{}
	}
	ctx["account"] = Account
	ctx["region"] = Region
	return ctx, nil
}

// Options are where the build and synth print.
type Options struct {
	// Log receives the commands run and their output. Default: discarded.
	Log io.Writer

	// legacy adds legacyContext: set by Ref, for refs older than the typed
	// Availability Zones.
	legacy bool
}

// legacyContext answers the one lookup the app made before its Availability
// Zones came from the typed configuration, with the zones that configuration
// now names, so that `make diff` and `make cost REF=` still work against
// such refs. Today's app never asks for it.
var legacyContext = map[string]any{
	"availability-zones:account=" + Account + ":region=" + Region: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
}

func (o Options) log() io.Writer {
	if o.Log == nil {
		return io.Discard
	}
	return o.Log
}

// Tree builds the app of the checkout in dir into dir/bin/stratus and
// synthesizes it into outDir.
func Tree(ctx context.Context, dir, outDir string, o Options) error {
	if err := run(ctx, dir, nil, o, "go", "build", "-o", filepath.Join("bin", "stratus"), "."); err != nil {
		return fmt.Errorf("building the app in %s: %v", dir, err)
	}
	cdkContext, err := Context(filepath.Join(dir, "cdk.json"))
	if err != nil {
		return err
	}
	if o.legacy {
		for k, v := range legacyContext {
			if _, set := cdkContext[k]; !set {
				cdkContext[k] = v
			}
		}
	}
	encoded, err := json.Marshal(cdkContext)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	env := []string{"CDK_OUTDIR=" + abs, "CDK_CONTEXT_JSON=" + string(encoded)}
	if err := run(ctx, dir, env, o, filepath.Join(dir, "bin", "stratus")); err != nil {
		return fmt.Errorf("synthesizing the app in %s: %v", dir, err)
	}
	missing, err := MissingContext(outDir)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("the app in %s asks for context lookups, which an offline synth cannot answer "+
			"(its templates would hold CDK's dummy values): %s", dir, strings.Join(missing, ", "))
	}
	return nil
}

// MissingContext lists the context keys that the manifests of the cloud
// assembly in dir (and of the stage assemblies nested in it) ask for: the
// lookups `cdk synth` would resolve by calling AWS. Sorted, without repeats.
func MissingContext(dir string) ([]string, error) {
	keys := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "manifest.json" {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var m struct {
			Missing []struct {
				Key string `json:"key"`
			} `json:"missing"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		for _, k := range m.Missing {
			keys[k.Key] = true
		}
		return nil
	})
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, err
}

// Checkout is a ref checked out and synthesized; Close removes it.
type Checkout struct {
	// Commit is the full id the ref resolved to.
	Commit string
	// Dir is the temporary worktree, Assembly its synthesized cdk.out.
	Dir, Assembly string
	repo          string
}

// Ref synthesizes the app as it is at ref of the repository containing
// repoDir (see the package doc). repoDir must also hold the built
// web/dist and node_modules that the ref borrows.
func Ref(ctx context.Context, repoDir, ref string, o Options) (*Checkout, error) {
	out, err := output(ctx, repoDir, "git", "rev-parse", "--verify", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("%q is not a commit of %s: %v", ref, repoDir, err)
	}
	tmp, err := os.MkdirTemp("", "stratus-ref-")
	if err != nil {
		return nil, err
	}
	c := &Checkout{Commit: out, Dir: filepath.Join(tmp, "tree"), Assembly: filepath.Join(tmp, "cdk.out"), repo: repoDir}
	if err := run(ctx, repoDir, nil, o, "git", "worktree", "add", "--detach", "--quiet", c.Dir, c.Commit); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("checking out %s: %v", ref, err)
	}
	if err := c.borrow(repoDir); err != nil {
		c.Close()
		return nil, err
	}
	o.legacy = true
	if err := Tree(ctx, c.Dir, c.Assembly, o); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s (%s): %v", ref, c.Commit[:12], err)
	}
	return c, nil
}

// borrow links node_modules and copies web/dist from the tree at repoDir.
func (c *Checkout) borrow(repoDir string) error {
	abs, err := filepath.Abs(repoDir)
	if err != nil {
		return err
	}
	dist := filepath.Join(abs, "web", "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		return fmt.Errorf("%s has no built web app (run `make web`): %v", dist, err)
	}
	if err := os.CopyFS(filepath.Join(c.Dir, "web", "dist"), os.DirFS(dist)); err != nil {
		return fmt.Errorf("copying web/dist: %v", err)
	}
	if _, err := os.Stat(filepath.Join(abs, "node_modules")); err == nil {
		if err := os.Symlink(filepath.Join(abs, "node_modules"), filepath.Join(c.Dir, "node_modules")); err != nil {
			return err
		}
	}
	return nil
}

// Close removes the worktree and its assembly.
func (c *Checkout) Close() error {
	err := exec.Command("git", "-C", c.repo, "worktree", "remove", "--force", c.Dir).Run()
	if rmErr := os.RemoveAll(filepath.Dir(c.Dir)); err == nil {
		err = rmErr
	}
	return err
}

// run runs a command in dir, with env added to the environment (less the
// variables that would make the synth depend on the caller), logging it.
func run(ctx context.Context, dir string, env []string, o Options, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stderr bytes.Buffer
	fmt.Fprintf(o.log(), "$ (cd %s && %s %s)\n", dir, name, strings.Join(args, " "))
	cmd.Stdout = o.log()
	cmd.Stderr = io.MultiWriter(o.log(), &stderr)
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(lastLines(stderr.String(), 20)); msg != "" {
			return fmt.Errorf("%v\n%s", err, msg)
		}
		return err
	}
	return nil
}

func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_OUTDIR", "CDK_CONTEXT_JSON":
			continue
		}
		out = append(out, kv)
	}
	// Synth is offline: never ask EC2 instance metadata for credentials.
	return append(out, "AWS_EC2_METADATA_DISABLED=true")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
