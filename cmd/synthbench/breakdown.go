package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
)

// breakdown says where one synth's time goes, for the floor, the whole app
// and one stage, with validation on. It runs each binary without the CLI (as
// refsynth does), twice:
//
//   - under Node's CPU profiler, whose samples it files into the buckets of
//     bucketOf (what the jsii kernel's Node process did, second by second),
//     with CDK's own performance counters (CDK_PERF_COUNTERS_FILE);
//   - with JSII_DEBUG=1, to count the jsii calls (every one a round trip
//     between Go and Node);
//
// and it times what the profile cannot see: the CLI on its own (reading an
// assembly it did not have to synthesize), and `go build` of the handlers,
// which a synth runs for every handler whose code changed since the last.
func breakdown(ctx context.Context, w io.Writer, o options, cdk, floor, tmp string) error {
	fmt.Fprintln(w, "\nwhere the time goes: one synth of each, validation on, the binary run without the CLI")
	app, _ := filepath.Abs(o.app)
	targets := []struct {
		name, bin, stage string
	}{{"floor", floor, ""}, {"whole app", app, ""}, {"one stage (" + o.stage + ")", app, o.stage}}
	results := make([]profiled, len(targets))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "\t")
	for i, t := range targets {
		p, err := profile(ctx, t.bin, t.stage, tmp)
		if err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		if p.calls, p.resources, err = countJsiiCalls(ctx, t.bin, t.stage, tmp); err != nil {
			return fmt.Errorf("%s: %v", t.name, err)
		}
		results[i] = p
		fmt.Fprintf(tw, "%s\t", t.name)
	}
	fmt.Fprintln(tw)
	row := func(label string, cell func(p profiled) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, p := range results {
			fmt.Fprintf(tw, "%s\t", cell(p))
		}
		fmt.Fprintln(tw)
	}
	row("resources", func(p profiled) string { return fmt.Sprint(p.resources) })
	row("jsii calls (Go → Node round trips)", func(p profiled) string { return fmt.Sprint(p.calls.total()) })
	row("jsii calls per resource", func(p profiled) string {
		return fmt.Sprintf("%.1f", float64(p.calls.total())/float64(max(p.resources, 1)))
	})
	row("wall-clock time of the process", func(p profiled) string { return fmt.Sprintf("%.1f s", p.wall.Seconds()) })
	row(outside, func(p profiled) string { return fmt.Sprintf("%.1f s", (p.wall - p.nodeTotal).Seconds()) })
	for _, b := range buckets {
		row(b, func(p profiled) string { return fmt.Sprintf("%.1f s", p.seconds[b]) })
	}
	tw.Flush()
	for i, t := range targets {
		fmt.Fprintf(w, "%s: jsii calls %s\n  CDK's counters: %s\n", t.name, results[i].calls, results[i].counters)
	}
	cli, err := cliAlone(ctx, cdk, tmp)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nthe CLI alone (`cdk synth --app <assembly>`, no app to run): %.1f s (median of 3)\n", cli.Seconds())
	builds, err := handlerBuilds(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "go build of a handler whose code changed (each, sequentially): %s\n", builds)
	return nil
}

// outside is the process's time the Node profile does not cover.
const outside = "outside Node's profile (Go start, Node start, exit and profile write-out)"

// The buckets of the Node process's time, in the order bucketOf tries them.
const (
	waitGo      = "Node waits for Go (Go code, jsii marshalling, handler builds)"
	engineStart = "CloudFormation Validate: engine start"
	validating  = "CloudFormation Validate: the templates"
	reporting   = "CloudFormation Validate: the report"
	loading     = "loading JavaScript modules"
	nagRules    = "cdk-nag rules"
	staging     = "asset staging"
	synthesis   = "synthesis: aspects, resolve, templates, tree"
	constructs  = "constructs: the calls from Go"
	gc          = "garbage collection"
	other       = "other (Node and jsii kernel start, exit)"
)

var buckets = []string{waitGo, engineStart, validating, reporting, loading, nagRules, staging, synthesis, constructs, gc, other}

// bucketOf files one CPU-profile sample by its stack (leaf first): the
// first bucket any frame of the stack belongs to, in the order of buckets.
func bucketOf(stack []frame) string {
	has := func(match func(frame) bool) bool { return slices.ContainsFunc(stack, match) }
	named := func(names ...string) func(frame) bool {
		return func(f frame) bool { return slices.Contains(names, f.FunctionName) }
	}
	in := func(part string) func(frame) bool {
		return func(f frame) bool { return strings.Contains(f.URL, part) }
	}
	switch {
	case has(named("readLine")):
		return waitGo
	case has(named("initializeEngine")):
		return engineStart
	case has(named("validateTemplate")):
		return validating
	case has(named("validateTemplates")):
		return reporting
	case has(named("Module._load", "Module._compile", "Module._extensions..js")):
		return loading
	case has(in("/cdk-nag/")):
		return nagRules
	case has(in("asset-staging.js")):
		return staging
	case has(in("/core/lib/private/synthesis.js")):
		return synthesis
	case has(named("processRequest")):
		return constructs
	case has(named("(garbage collector)")):
		return gc
	}
	return other
}

type frame struct {
	FunctionName string `json:"functionName"`
	URL          string `json:"url"`
}

type profiled struct {
	wall, nodeTotal time.Duration
	seconds         map[string]float64
	counters        string
	calls           jsiiCalls
	resources       int
}

// profile runs the app once under Node's CPU profiler and CDK's counters.
func profile(ctx context.Context, app, stage, tmp string) (profiled, error) {
	dir := filepath.Join(tmp, "profile")
	if err := os.RemoveAll(dir); err != nil {
		return profiled{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return profiled{}, err
	}
	// jsii starts Node by the name in JSII_NODE; this one profiles itself
	// (and the child it forks, which inherits the flags).
	node := filepath.Join(dir, "node")
	script := fmt.Sprintf("#!/bin/sh\nexec node --cpu-prof --cpu-prof-dir=%s --cpu-prof-interval 1000 \"$@\"\n", dir)
	if err := os.WriteFile(node, []byte(script), 0o755); err != nil {
		return profiled{}, err
	}
	counters := filepath.Join(dir, "counters.json")
	start := time.Now()
	if _, err := runApp(ctx, app, stage, tmp, "JSII_NODE="+node, "CDK_PERF_COUNTERS_FILE="+counters); err != nil {
		return profiled{}, err
	}
	p := profiled{wall: time.Since(start), seconds: map[string]float64{}}
	files, _ := filepath.Glob(filepath.Join(dir, "*.cpuprofile"))
	var largest string
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > size {
			largest, size = f, st.Size()
		}
	}
	if largest == "" {
		return profiled{}, fmt.Errorf("Node wrote no CPU profile in %s", dir)
	}
	total, err := fileSamples(largest, p.seconds)
	if err != nil {
		return profiled{}, err
	}
	p.nodeTotal = total
	p.counters = readCounters(counters)
	return p, nil
}

// fileSamples adds each sample's time of a .cpuprofile to its bucket and
// returns the time the profile covers.
func fileSamples(path string, seconds map[string]float64) (time.Duration, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var prof struct {
		Nodes []struct {
			ID        int   `json:"id"`
			CallFrame frame `json:"callFrame"`
			Children  []int `json:"children"`
		} `json:"nodes"`
		Samples    []int   `json:"samples"`
		TimeDeltas []int64 `json:"timeDeltas"`
	}
	if err := json.Unmarshal(raw, &prof); err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	parent, frames := map[int]int{}, map[int]frame{}
	for _, n := range prof.Nodes {
		frames[n.ID] = n.CallFrame
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	bucket := map[int]string{} // by profile node: a node's stack never changes
	var total int64
	for i, id := range prof.Samples {
		if i >= len(prof.TimeDeltas) {
			break
		}
		b, ok := bucket[id]
		if !ok {
			var stack []frame
			for n, ok := id, true; ok; n, ok = parent[n] {
				stack = append(stack, frames[n])
			}
			b = bucketOf(stack)
			bucket[id] = b
		}
		seconds[b] += float64(prof.TimeDeltas[i]) / 1e6
		total += prof.TimeDeltas[i]
	}
	return time.Duration(total) * time.Microsecond, nil
}

// readCounters summarizes CDK's performance counters: its phases and the
// validation, resolve and asset-staging (FileSystem) totals, in seconds.
func readCounters(path string) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "none written"
	}
	var f struct{ Counters map[string]float64 }
	if json.Unmarshal(raw, &f) != nil {
		return "unreadable"
	}
	c := f.Counters
	fs := 0.0
	for k, v := range c {
		if strings.HasPrefix(k, "FileSystem.") && !strings.HasSuffix(k, "(cnt)") {
			fs += v
		}
	}
	return fmt.Sprintf("load %.1f s, construction %.1f s, synthesis %.1f s (validateTemplates %.1f s, of which validate %.1f s for %.0f stacks; "+
		"Stack.resolve %.1f s; asset staging %.2f s), %.0f constructs",
		c["phase:Load"]/1e3, c["phase:Construction"]/1e3, c["phase:Synthesis"]/1e3, c["validateTemplates"]/1e3,
		c["CloudFormationValidate.validate"]/1e3, c["CloudFormationValidate.validate(cnt)"], c["Stack.resolve"]/1e3, fs/1e3,
		c["count:Constructs(cnt)"])
}

// runApp runs the app binary as the CLI would, into tmp/app.out, with
// cdk.json's context (and the stage), and returns its stderr.
func runApp(ctx context.Context, app, stage, tmp string, env ...string) (string, error) {
	cdkContext, err := refsynth.Context("cdk.json")
	if err != nil {
		return "", err
	}
	delete(cdkContext, "account")
	delete(cdkContext, "region")
	if stage != "" {
		cdkContext["stage"] = stage
	}
	// CDK writes its performance counters only for a synth slower than this.
	cdkContext["@aws-cdk/core.slowSynthThreshold"] = 0
	encoded, err := json.Marshal(cdkContext)
	if err != nil {
		return "", err
	}
	out := filepath.Join(tmp, "app.out")
	if err := os.RemoveAll(out); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, app)
	cmd.Env = append(synthEnv(true), append([]string{"CDK_OUTDIR=" + out, "CDK_CONTEXT_JSON=" + string(encoded)}, env...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v\n%s", app, err, tail(stderr.String(), 4000))
	}
	return stderr.String(), nil
}

// cliAlone is the median time of the CLI reading the assembly the last
// runApp wrote, without running any app.
func cliAlone(ctx context.Context, cdk, tmp string) (time.Duration, error) {
	var runs []time.Duration
	for range 3 {
		cmd := exec.CommandContext(ctx, cdk, "synth", "--no-notices", "--no-version-reporting", "--quiet",
			"--app", filepath.Join(tmp, "app.out"), "**")
		cmd.Env = synthEnv(true)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("cdk synth --app: %v\n%s", err, out)
		}
		runs = append(runs, time.Since(start))
	}
	return median(runs), nil
}

// handlerBuilds times `go build` of each deployed handler with
// gofunction's flags, as a synth runs it for a handler whose code changed
// (Go's own build cache warm: the link dominates).
func handlerBuilds(ctx context.Context) (string, error) {
	out := filepath.Join(os.TempDir(), fmt.Sprintf("synthbench-bootstrap-%d", os.Getpid()))
	defer os.Remove(out)
	var parts []string
	var total time.Duration
	for _, f := range contract.Functions() {
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
			"-ldflags", "-s -w -buildid=", "-o", out, f.Entry())
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		start := time.Now()
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", f.Entry(), err, b)
		}
		d := time.Since(start)
		total += d
		parts = append(parts, fmt.Sprintf("%s %.1f s", f.Name, d.Seconds()))
	}
	return fmt.Sprintf("%s; %.1f s for all %d", strings.Join(parts, ", "), total.Seconds(), len(contract.Functions())), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
