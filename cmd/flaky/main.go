// Command flaky is make flaky: it runs the test suites N times while cmd/cpuload keeps every CPU
// busy, and reports each test that failed at least once, with how often. It exits 1 when any did.
//
// The Go suites are the packages that need no jsii (the handlers, the local stack, the analysis
// packages: those whose tests, directly or not, import no github.com/aws/jsii-runtime-go), run with
// `go test -count=N -shuffle=on` so that each test runs N times in an order that changes; the jsii
// packages synthesize for seconds to minutes per run and are left to make test. The web unit suite
// (vitest) runs N times. -e2e adds the browser suite, N times.
//
//	go run ./cmd/flaky -n 20
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 20, "runs of each suite")
	workers := flag.Int("load", runtime.NumCPU(), "CPU-bound load workers while the suites run (0: none)")
	pkgsFlag := flag.String("pkgs", "", "Go packages to run (space-separated patterns); default: every package that needs no jsii")
	web := flag.Bool("web", true, "run the web unit suite (cd web && npx vitest run) N times")
	e2e := flag.Bool("e2e", false, "run the browser suite (cd web && npm run e2e) N times too")
	timeout := flag.Duration("timeout", 2*time.Hour, "bound on the whole hunt; the load stops with it")
	list := flag.Bool("list", false, "print the Go packages it would run, and exit")
	listJSII := flag.Bool("jsii", false, "with -list: print the other packages, those whose tests need jsii")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	root, err := os.Getwd()
	check(err)
	pkgs := strings.Fields(*pkgsFlag)
	if len(pkgs) == 0 {
		var jsii []string
		pkgs, jsii, err = splitJSII(ctx)
		check(err)
		if *listJSII {
			pkgs = jsii
		}
	}
	if *list {
		fmt.Println(strings.Join(pkgs, "\n"))
		return
	}

	// Build first, without the load, so that the hunt times tests, not compilers.
	fmt.Fprintf(os.Stderr, "flaky: building the tests of %d packages\n", len(pkgs))
	if out, err := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1", "-run", "^$"}, pkgs...)...).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "flaky: the tests do not build: %v\n%s", err, out)
		os.Exit(2)
	}

	loadStop := startLoad(ctx, *workers, *timeout)
	defer loadStop()
	sampler := sampleLoad(ctx)

	failures := map[string]int{}
	var runs []string
	began := time.Now()

	// Go: each test N times, shuffled, in one test binary per package.
	goFails, err := goSuite(ctx, pkgs, *n)
	for k, v := range goFails {
		failures[k] += v
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "flaky: go test: %v\n", err)
	}
	runs = append(runs, fmt.Sprintf("go test -count=%d -shuffle=on, %d packages", *n, len(pkgs)))

	if *web {
		for i := range *n {
			if ctx.Err() != nil {
				break
			}
			fails, err := vitest(ctx, filepath.Join(root, "web"))
			if err != nil {
				failures["web: vitest run "+strconv.Itoa(i+1)+": "+firstLine(err.Error())]++
			}
			for k, v := range fails {
				failures[k] += v
			}
		}
		runs = append(runs, fmt.Sprintf("web unit suite (vitest) ×%d", *n))
	}
	if *e2e {
		for i := range *n {
			if ctx.Err() != nil {
				break
			}
			cmd := exec.CommandContext(ctx, "npm", "run", "e2e")
			cmd.Dir = filepath.Join(root, "web")
			out, err := cmd.CombinedOutput()
			if err != nil {
				for _, name := range nodeTestFailures(out) {
					failures["web e2e: "+name]++
				}
				if len(nodeTestFailures(out)) == 0 {
					failures["web e2e: run "+strconv.Itoa(i+1)+" failed: "+firstLine(err.Error())]++
				}
			}
		}
		runs = append(runs, fmt.Sprintf("web browser suite ×%d", *n))
	}
	loadStop()
	lo, avg, hi := sampler()

	fmt.Printf("\nmake flaky: %s in %s, under %d CPU-bound load workers on %d CPUs\n",
		strings.Join(runs, "; "), time.Since(began).Round(time.Second), *workers, runtime.NumCPU())
	fmt.Printf("load average (1 min) during the run: min %.2f, mean %.2f, max %.2f\n", lo, avg, hi)
	if ctx.Err() != nil {
		fmt.Printf("stopped early: %v\n", ctx.Err())
	}
	if len(failures) == 0 {
		fmt.Println("0 tests failed")
		if ctx.Err() != nil {
			os.Exit(1)
		}
		return
	}
	names := make([]string, 0, len(failures))
	for k := range failures {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if failures[names[i]] != failures[names[j]] {
			return failures[names[i]] > failures[names[j]]
		}
		return names[i] < names[j]
	})
	fmt.Printf("%d tests failed at least once (failures of %d runs):\n", len(names), *n)
	for _, k := range names {
		fmt.Printf("  %3d  %s\n", failures[k], k)
	}
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "flaky:", err)
		os.Exit(2)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// splitJSII lists the module's packages whose tests do not import jsii, directly or not, and those
// whose tests do.
func splitJSII(ctx context.Context) (plain, withJSII []string, err error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-test", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list: %w", err)
	}
	jsii := map[string]bool{}
	var all []string
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		// "p", "p [p.test]", "p_test [p.test]", "p.test": the package under test is the first word
		// with its _test suffix and test variants taken off.
		pkg := strings.TrimSuffix(strings.TrimSuffix(fields[0], ".test"), "_test")
		rest := fields[1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
			rest = rest[1:]
		}
		if !slices.Contains(all, pkg) {
			all = append(all, pkg)
		}
		if slices.Contains(rest, "github.com/aws/jsii-runtime-go") {
			jsii[pkg] = true
		}
	}
	for _, p := range all {
		if jsii[p] {
			withJSII = append(withJSII, p)
		} else {
			plain = append(plain, p)
		}
	}
	return plain, withJSII, nil
}

// goSuite runs go test -json and counts each failed test (a package that fails outside its tests,
// by a panic, a timeout or TestMain, counts as the package).
func goSuite(ctx context.Context, pkgs []string, n int) (map[string]int, error) {
	args := append([]string{"test", "-json", fmt.Sprintf("-count=%d", n), "-shuffle=on", "-timeout", "60m"}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	fails := map[string]int{}
	// The output of each failing test, printed once for its first failure.
	output := map[string]*bytes.Buffer{}
	printed := map[string]bool{}
	testFailed := map[string]bool{} // packages with a failed test in the current run
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev struct {
			Action, Package, Test, Output string
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		key := ev.Package
		if ev.Test != "" {
			key += " " + ev.Test
		}
		switch ev.Action {
		case "run":
			output[key] = &bytes.Buffer{}
		case "output":
			if b := output[key]; b != nil && b.Len() < 64<<10 {
				b.WriteString(ev.Output)
			}
		case "fail":
			if ev.Test != "" {
				if !strings.Contains(ev.Test, "/") { // a subtest's parent fails with it
					fails[key]++
				}
				testFailed[ev.Package] = true
				if !printed[key] && output[key] != nil {
					printed[key] = true
					fmt.Fprintf(os.Stderr, "--- first failure of %s:\n%s\n", key, output[key])
				}
			} else if !testFailed[ev.Package] {
				fails[ev.Package+" (the package, outside its tests)"]++
			}
		case "pass", "skip":
			if ev.Test != "" {
				delete(output, key)
			}
		}
		if ev.Test == "" && (ev.Action == "pass" || ev.Action == "fail") {
			delete(testFailed, ev.Package)
		}
	}
	err = cmd.Wait()
	if _, ok := err.(*exec.ExitError); ok && len(fails) > 0 {
		err = nil // the failures are counted
	}
	return fails, err
}

// vitest runs the web unit suite once and returns its failed tests.
func vitest(ctx context.Context, dir string) (map[string]int, error) {
	report, err := os.CreateTemp("", "flaky-vitest-*.json")
	if err != nil {
		return nil, err
	}
	report.Close()
	defer os.Remove(report.Name())
	cmd := exec.CommandContext(ctx, "npx", "vitest", "run", "--reporter=json", "--outputFile="+report.Name())
	cmd.Dir = dir
	out, runErr := cmd.CombinedOutput()
	raw, err := os.ReadFile(report.Name())
	var res struct {
		TestResults []struct {
			Name             string
			Message          string
			AssertionResults []struct {
				FullName string
				Status   string
			}
		}
	}
	if err != nil || json.Unmarshal(raw, &res) != nil || len(res.TestResults) == 0 {
		if runErr == nil {
			runErr = fmt.Errorf("no report")
		}
		return nil, fmt.Errorf("%v\n%s", runErr, tail(out))
	}
	fails := map[string]int{}
	for _, f := range res.TestResults {
		rel, _ := filepath.Rel(dir, f.Name)
		if len(f.AssertionResults) == 0 && f.Message != "" {
			fails["web "+rel+" (the file: "+firstLine(f.Message)+")"]++
		}
		for _, a := range f.AssertionResults {
			if a.Status == "failed" {
				fails["web "+rel+" "+a.FullName]++
			}
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(os.Stderr, "--- a failing vitest run:\n%s\n", tail(out))
	}
	return fails, nil
}

// nodeTestFailures reads the names of the failed tests from node:test's spec output ("✖ name").
func nodeTestFailures(out []byte) []string {
	var names []string
	for line := range strings.SplitSeq(string(out), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "✖ "); ok && !strings.HasPrefix(name, "failing tests") {
			name, _, _ = strings.Cut(name, " (")
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

func tail(out []byte) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// startLoad runs cmd/cpuload (built once) for at most d, and returns a function that stops it
// (and waits for it): the load never outlives the hunt.
func startLoad(ctx context.Context, workers int, d time.Duration) func() {
	if workers <= 0 {
		return func() {}
	}
	dir, err := os.MkdirTemp("", "flaky-")
	check(err)
	bin := filepath.Join(dir, "cpuload")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/cpuload").CombinedOutput(); err != nil {
		check(fmt.Errorf("go build ./cmd/cpuload: %v\n%s", err, out))
	}
	cmd := exec.Command(bin, "-workers", strconv.Itoa(workers), "-duration", d.String())
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	// Its own process group, and SIGKILL when this process dies, so that nothing keeps loading
	// the machine after a Ctrl-C or a crash.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	check(cmd.Start())
	var once sync.Once
	return func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			os.RemoveAll(dir)
		})
	}
}

// sampleLoad reads the 1-minute load average every 5 s until ctx ends or the returned function
// is called, which returns its min, mean and max.
func sampleLoad(ctx context.Context) func() (lo, avg, hi float64) {
	var mu sync.Mutex
	var samples []float64
	read := func() {
		raw, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return
		}
		f, err := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
		if err != nil {
			return
		}
		mu.Lock()
		samples = append(samples, f)
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-tick.C:
				read()
			}
		}
	}()
	return func() (float64, float64, float64) {
		read()
		close(done)
		mu.Lock()
		defer mu.Unlock()
		lo, hi, sum := samples[0], samples[0], 0.0
		for _, s := range samples {
			lo, hi, sum = min(lo, s), max(hi, s), sum+s
		}
		return lo, sum / float64(len(samples)), hi
	}
}
