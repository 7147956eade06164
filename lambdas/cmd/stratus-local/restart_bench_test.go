package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

// BenchmarkDevRestart measures `make dev`'s inner loop: from saving a
// handler's Go file to the rebuilt server answering GET /v1/health, through
// the supervisor `make dev` runs (bin/stratus-local -watch) with its own
// PostgreSQL, as a whole process. Each iteration saves a real edit (a new
// line in the API handler's source, so its package compiles again) and
// waits for the new server: its ready file, written once it serves, then a
// 200 from /v1/health. Run with a count of restarts: -benchtime 7x.
//
// It works on a copy of the module's Go sources (go.mod, lambdas/ and every
// package of the module that the supervisor imports), never on the checkout. Reported: the median and the slowest
// restart, and the median of each step as the supervisor logs it (noticing
// the save, go build, stopping the old server, the new one's start up to its
// first answer).
func BenchmarkDevRestart(b *testing.B) {
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	// Not b.TempDir: under root the cluster runs as `postgres`, which must pass through the folder.
	tmp, err := os.MkdirTemp("", "stratus-restart-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o711); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(tmp, "src")
	tree, err := sourcesOf(root, "./lambdas/cmd/stratus-local")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range tree {
		if err := copyTree(filepath.Join(root, name), filepath.Join(src, name)); err != nil {
			b.Fatal(err)
		}
	}
	supervisor := filepath.Join(tmp, "stratus-local")
	build := exec.Command("go", "build", "-o", supervisor, "./lambdas/cmd/stratus-local")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data, ready, logFile := filepath.Join(tmp, "data"), filepath.Join(tmp, "ready.json"), filepath.Join(tmp, "supervisor.log")
	logs, err := os.Create(logFile)
	if err != nil {
		b.Fatal(err)
	}
	defer logs.Close()
	cmd := exec.Command(supervisor, "-watch", "-assembly", devStage, "-addr", "127.0.0.1:0", "-data-dir", data, "-web-dir", filepath.Join(tmp, "no-web"), "-ready-file", ready)
	cmd.Dir, cmd.Stdout, cmd.Stderr = src, logs, logs
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DATABASE_URL=") })
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	api := waitHealthy(b, ready, logFile, 5*time.Minute) // the first start builds and creates the cluster

	handler := filepath.Join(src, "lambdas", "internal", "app", "httpapi", "handlers.go")
	var total []time.Duration
	for i := 0; b.Loop(); i++ {
		// Not a wait for a state: the pause between an engineer's saves, part of what is measured.
		// Without it the next save lands while the restarted server still finishes its start (the
		// supervisor's restart log line), a case no one meets and that this benchmark does not time.
		time.Sleep(time.Second)
		if err := os.Remove(ready); err != nil {
			b.Fatal(err)
		}
		f, err := os.OpenFile(handler, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		_, err = fmt.Fprintf(f, "\nfunc benchmarkEdit%d() string { return %q }\n", i, fmt.Sprint("edit ", i))
		if cerr := f.Close(); err != nil || cerr != nil {
			b.Fatal(err, cerr)
		}
		saved := time.Now()
		if got := waitHealthy(b, ready, logFile, 2*time.Minute); got != api {
			b.Fatalf("the restarted server answers at %s, not %s", got, api)
		}
		total = append(total, time.Since(saved))
	}
	b.StopTimer()
	slices.Sort(total)
	b.ReportMetric(medianSeconds(total), "s/restart-median")
	b.ReportMetric(total[len(total)-1].Seconds(), "s/restart-max")
	for step, d := range readRestartSteps(b, logFile) {
		b.ReportMetric(medianSeconds(d), "s/"+step)
	}
}

// waitHealthy waits for the ready file and a 200 from the API's health route, and returns the API's URL.
func waitHealthy(b *testing.B, ready, logFile string, within time.Duration) string {
	b.Helper()
	var u readyURLs
	wait.For(b, within, "a healthy server", func() (err error) {
		u, err = healthyServer(ready)
		return err
	}, wait.Logs("the supervisor", func() string { out, _ := os.ReadFile(logFile); return string(out) }))
	return u.API
}

// restartLine is the supervisor's log line after a restart, with the steps' durations.
var restartLine = regexp.MustCompile(`msg="restarted with the new code".*noticed=(\S+) build=(\S+) stop=(\S+) start=(\S+)`)

// readRestartSteps reads the durations of each restart's steps from the supervisor's log.
func readRestartSteps(b *testing.B, logFile string) map[string][]time.Duration {
	b.Helper()
	f, err := os.Open(logFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	steps := map[string][]time.Duration{}
	names := []string{"noticed", "build", "stop", "start"}
	s := bufio.NewScanner(f)
	for s.Scan() {
		m := restartLine.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		for i, name := range names {
			if d, err := time.ParseDuration(m[i+1]); err == nil {
				steps[name] = append(steps[name], d)
			}
		}
	}
	return steps
}

func medianSeconds(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Seconds()
}

// copyTree copies a file or a folder, with its files' modes.
// sourcesOf lists what building pkg in the module at root needs, relative
// to root: go.mod, go.sum, lambdas/ (what the supervisor watches and builds)
// and the folder of every other package of the module that pkg imports,
// asked of go list rather than written down, so that a new import cannot
// break the copy.
func sourcesOf(root, pkg string) ([]string, error) {
	list := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", pkg)
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	tree := []string{"go.mod", "go.sum", "lambdas"}
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		if rel != "lambdas" && !strings.HasPrefix(rel, "lambdas"+string(filepath.Separator)) {
			tree = append(tree, rel)
		}
	}
	return tree, nil
}

func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, raw, info.Mode().Perm())
	})
}
