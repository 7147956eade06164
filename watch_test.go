package main

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/contract"
)

// `make watch` hotswaps Dev on every save of what its handlers and its
// templates are built from, and of nothing else. The files it reacts to are
// the ones the pinned CDK CLI observes: the CLI reads cdk.json's watch section
// itself (its include and exclude patterns, its own default excludes, and the
// output folder), so this test asks it. It runs `cdk watch` on a copy of the
// repository's file tree (empty files, plus the build output a working tree
// has) and reads the files the CLI reports observing before its first deploy,
// which this test never lets happen.
func TestWatchObservesTheSourcesAndNoBuildOutput(t *testing.T) {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the pinned CDK CLI is not installed (%v): run `make deps`", err)
	}
	fixture := t.TempDir()
	files, err := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	// Build output as a working tree has it, in and around the watched folders.
	buildOutput := []string{
		"bin/stratus", "bin/stratus-local", "cdk.out/manifest.json", "cdk.out/asset.0123/bootstrap",
		".tmp/cdk.out/manifest.json", ".tmp/dev/bin/stratus-local", "web/dist/index.html",
		"lambdas/api/bootstrap", "lambdas/api/api.test", "stacks/stacks.test", "lambdas/api/__debug_bin1234",
		"node_modules/aws-cdk/lib/init-templates/app/go/app.go", "web/node_modules/x/y.go",
	}
	for _, name := range append(strings.Fields(string(files)), buildOutput...) {
		p := filepath.Join(fixture, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cdkJSON, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixture, "cdk.json"), cdkJSON, 0o644); err != nil {
		t.Fatal(err)
	}

	observed := observedByCDKWatch(t, cdk, fixture)

	var missing []string
	for _, f := range buildInputs(t) {
		if !observed[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Errorf("`make watch` misses changes to these files, which the app or its handlers are built from "+
			"(add them to cdk.json's watch.include):\n  %s", strings.Join(missing, "\n  "))
	}
	migrations, _ := filepath.Glob("lambdas/internal/app/schema/sql/*.sql")
	if len(migrations) == 0 {
		t.Error("no migrations found: has the schema folder moved?")
	}
	for _, m := range migrations {
		if !observed[filepath.ToSlash(m)] {
			t.Errorf("`make watch` misses changes to the migration %s", m)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(observed)) {
		if slices.Contains(buildOutput, f) || strings.HasSuffix(f, "_test.go") || strings.Contains("/"+f, "/testdata/") {
			t.Errorf("`make watch` redeploys when %s changes: build output and tests are no source of Dev (exclude it in cdk.json)", f)
		}
	}
}

// observedByCDKWatch runs the pinned CLI's `cdk watch` as `make watch` does
// in dir and returns the files it observes, stopping it before it deploys.
func observedByCDKWatch(t *testing.T, cdk, dir string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// `--app false`: if the CLI ever got as far as synthesizing, it would
	// fail there, with no credentials to deploy with either.
	cmd := exec.CommandContext(ctx, cdk, "watch", "--no-notices", "--no-version-reporting", "--output", "cdk.out",
		"--hotswap", "--app", "false", "-c", "stage=Dev", "Dev/*")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "CDK_DISABLE_CLI_TELEMETRY=true",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + filepath.Join(dir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "no-aws-credentials")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	observing := regexp.MustCompile(`'watch' is observing the file '(.*)' for changes`)
	observed := map[string]bool{}
	var log []string
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		line := lines.Text()
		log = append(log, line)
		if m := observing.FindStringSubmatch(line); m != nil {
			observed[filepath.ToSlash(m[1])] = true
		}
		if strings.Contains(line, "Triggering initial 'cdk deploy'") {
			return observed
		}
	}
	t.Fatalf("cdk watch stopped before it was ready (%v):\n%s", ctx.Err(), strings.Join(log, "\n"))
	return nil
}

// buildInputs are the module's files that the app binary and the deployed
// handlers are built from (Go files and embedded files of their packages in
// this module, go.mod and go.sum), relative to the module root.
func buildInputs(t *testing.T) []string {
	t.Helper()
	root, _ := os.Getwd()
	out := []string{"go.mod", "go.sum"}
	handlers := []string{}
	for _, f := range contract.Functions() {
		handlers = append(handlers, f.Entry())
	}
	for _, target := range []struct {
		env  []string
		pkgs []string
	}{
		{nil, []string{"."}},
		{[]string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}, append([]string{"-tags", "lambda.norpc"}, handlers...)},
	} {
		cmd := exec.Command("go", append([]string{"list", "-deps", "-json=Dir,Module,GoFiles,CgoFiles,SFiles,EmbedFiles"}, target.pkgs...)...)
		cmd.Env = append(os.Environ(), target.env...)
		raw, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		for dec.More() {
			var p struct {
				Dir                                   string
				Module                                *struct{ Main bool }
				GoFiles, CgoFiles, SFiles, EmbedFiles []string
			}
			if err := dec.Decode(&p); err != nil {
				t.Fatal(err)
			}
			if p.Module == nil || !p.Module.Main {
				continue
			}
			rel, err := filepath.Rel(root, p.Dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range slices.Concat(p.GoFiles, p.CgoFiles, p.SFiles, p.EmbedFiles) {
				out = append(out, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
	}
	slices.Sort(out)
	if len(out) < 20 {
		t.Fatalf("go list found only %v", out)
	}
	return slices.Compact(out)
}
