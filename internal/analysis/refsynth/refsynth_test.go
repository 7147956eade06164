package refsynth

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeApp stands in for the CDK app: it writes what a synth receives (its
// context, and whether it sees the borrowed web/dist) to CDK_OUTDIR.
const fakeApp = `package main

import (
	"os"
	"path/filepath"
)

func main() {
	_, err := os.Stat(filepath.Join("web", "dist", "index.html"))
	report := os.Getenv("CDK_CONTEXT_JSON") + "\n" + os.Getenv("CDK_DEFAULT_ACCOUNT") + "\n" + VERSION
	if err != nil {
		report += "\nno web/dist"
	}
	os.MkdirAll(os.Getenv("CDK_OUTDIR"), 0o755)
	os.WriteFile(filepath.Join(os.Getenv("CDK_OUTDIR"), "report.txt"), []byte(report), 0o644)
}
`

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A repository with two commits of the fake app; web/dist and node_modules
// exist only in the working tree, as in a real checkout after make.
func fakeRepo(t *testing.T) string {
	t.Helper()
	repo := t.TempDir()
	git(t, repo, "init", "--quiet")
	write(t, filepath.Join(repo, "go.mod"), "module example.com/app\n\ngo 1.22\n")
	write(t, filepath.Join(repo, "cdk.json"), `{"app": "bin/stratus", "context": {"@aws-cdk/core:flag": true}}`)
	write(t, filepath.Join(repo, ".gitignore"), "bin/\nweb/dist/\nnode_modules/\n")
	for _, v := range []string{"one", "two"} {
		write(t, filepath.Join(repo, "main.go"), strings.Replace(fakeApp, "VERSION", `"`+v+`"`, 1))
		git(t, repo, "add", ".")
		git(t, repo, "commit", "--quiet", "-m", v)
	}
	write(t, filepath.Join(repo, "web", "dist", "index.html"), "<!doctype html>")
	write(t, filepath.Join(repo, "node_modules", "go.mod"), "module ignored/node_modules\n")
	return repo
}

func TestRefSynthesizesTheRefWithTheReferenceSettings(t *testing.T) {
	repo := fakeRepo(t)
	t.Setenv("CDK_DEFAULT_ACCOUNT", "999999999999")
	c, err := Ref(context.Background(), repo, "HEAD~1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	report, err := os.ReadFile(filepath.Join(c.Assembly, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(report), "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	// The ref also gets the Availability Zones older refs looked up.
	if got["account"] != Account || got["region"] != Region || got["@aws-cdk/core:flag"] != true || len(got) != 4 ||
		got["availability-zones:account="+Account+":region="+Region] == nil {
		t.Errorf("context %v", got)
	}
	if lines[1] != "" {
		t.Errorf("the synth saw CDK_DEFAULT_ACCOUNT=%s", lines[1])
	}
	if lines[2] != "one" || len(lines) != 3 {
		t.Errorf("synthesized %q, want the app at HEAD~1 with web/dist", lines[2:])
	}
	if fi, err := os.Lstat(filepath.Join(c.Dir, "node_modules")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("node_modules is not linked: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("worktree %s left behind", c.Dir)
	}
	out, _ := exec.Command("git", "-C", repo, "worktree", "list").Output()
	if strings.Count(string(out), "\n") != 1 {
		t.Errorf("git still lists the worktree:\n%s", out)
	}
}

func TestRefNamesABadRef(t *testing.T) {
	_, err := Ref(context.Background(), fakeRepo(t), "no-such-branch", Options{})
	if err == nil || !strings.Contains(err.Error(), `"no-such-branch" is not a commit`) {
		t.Errorf("got %v", err)
	}
}

func TestABuildErrorNamesTheRef(t *testing.T) {
	repo := fakeRepo(t)
	write(t, filepath.Join(repo, "main.go"), "package main\n\nfunc main() { undefined() }\n")
	git(t, repo, "commit", "--quiet", "-am", "broken")
	_, err := Ref(context.Background(), repo, "HEAD", Options{})
	if err == nil || !strings.Contains(err.Error(), "building the app") || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("got %v", err)
	}
}

// A synth that asks for a context lookup (a manifest, here a nested one,
// lists missing context) fails, naming the keys.
func TestASynthAskingForLookupsFails(t *testing.T) {
	repo := fakeRepo(t)
	write(t, filepath.Join(repo, "main.go"), `package main

import (
	"os"
	"path/filepath"
)

func main() {
	dir := filepath.Join(os.Getenv("CDK_OUTDIR"), "assembly-Prod")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(os.Getenv("CDK_OUTDIR"), "manifest.json"), []byte(`+"`"+`{"version": "55.0.0"}`+"`"+`), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`+"`"+`{"missing": [{"key": "availability-zones:account=1:region=r", "provider": "availability-zones"}]}`+"`"+`), 0o644)
}
`)
	git(t, repo, "commit", "--quiet", "-am", "lookups")
	_, err := Ref(context.Background(), repo, "HEAD", Options{})
	if err == nil || !strings.Contains(err.Error(), "asks for context lookups") || !strings.Contains(err.Error(), "availability-zones:account=1:region=r") {
		t.Errorf("got %v", err)
	}
}
