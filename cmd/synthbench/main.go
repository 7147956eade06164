// Command synthbench measures `cdk synth` of the app, whole and one stage,
// with and without CloudFormation Validate, against its floor: the empty Go
// CDK app in ./floor, built here and synthesized with this repository's
// cdk.json. `make bench` runs it from the repository root.
//
//	go run ./cmd/synthbench                 # 5 rounds, then the breakdown
//	go run ./cmd/synthbench -rounds 9 -breakdown=false
//
// Each measurement is a whole `cdk synth` process, as `make synth` runs it
// (the pinned CLI, the prebuilt bin/stratus, jsii's Node). The machine is
// shared and its load moves, so the app and the floor are measured in the
// same rounds, interleaved (each round in another order), and each ratio is
// also taken within a round. A warm-up run of each variant comes first and
// is not counted: it fills the caches a second synth finds full (the Go
// build cache, gofunction's handler cache, jsii's unpacked packages).
//
// The breakdown (breakdown.go) then runs the app binary once more under
// Node's CPU profiler and CDK's own performance counters, and counts its
// jsii calls, to say where the time goes.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// The targets on the 2-core machine: the whole app with validation
// within 2× its floor, one stage within 1.3×.
const (
	targetWhole = 2.0
	targetStage = 1.3
)

type options struct {
	rounds    int
	stage     string
	app, cdk  string
	breakdown bool
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "measured rounds (each runs every variant once)")
	flag.StringVar(&o.stage, "stage", "Dev", "the stage synthesized alone")
	flag.StringVar(&o.app, "app", "bin/stratus", "the app binary cdk.json runs (build it first: make bin/stratus)")
	flag.StringVar(&o.cdk, "cdk", "node_modules/.bin/cdk", "the pinned CDK CLI")
	flag.BoolVar(&o.breakdown, "breakdown", true, "after the rounds, profile one synth of each and print where the time goes")
	flag.Parse()
	ctx, stop := signalContext()
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "synthbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, w io.Writer) error {
	if o.rounds < 1 {
		return errors.New("-rounds must be at least 1")
	}
	for _, f := range []string{"cdk.json", "go.mod", o.app, o.cdk, "web/dist/index.html"} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("run from the repository root after `make deps web bin/stratus`: %v", err)
		}
	}
	tmp, err := os.MkdirTemp("", "synthbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	floorDir, err := buildFloor(ctx, tmp)
	if err != nil {
		return err
	}
	root, _ := os.Getwd()
	cdk, _ := filepath.Abs(o.cdk)
	var variants []*variant
	for _, validation := range []bool{true, false} {
		variants = append(variants,
			&variant{name: "floor (empty app)", validation: validation, dir: floorDir, want: wantStacks("Floor")},
			&variant{name: "whole app", validation: validation, dir: root, want: wantStages(3)},
			&variant{name: "one stage (" + o.stage + ")", validation: validation, dir: root,
				args: []string{"-c", "stage=" + o.stage}, want: wantStages(1, o.stage)})
	}

	fmt.Fprintln(w, machine())
	load := loadTracker{}
	load.sample()
	fmt.Fprintf(w, "warm-up: one synth of each variant (not counted)\n")
	for _, v := range variants {
		if _, err := v.synth(ctx, cdk, tmp); err != nil {
			return err
		}
		load.sample()
	}
	for r := range o.rounds {
		fmt.Fprintf(w, "round %d/%d …\n", r+1, o.rounds)
		for i := range variants {
			// Each round starts at another variant: none always runs first or last.
			v := variants[(i+r)%len(variants)]
			m, err := v.synth(ctx, cdk, tmp)
			if err != nil {
				return err
			}
			v.runs = append(v.runs, m)
			load.sample()
		}
	}
	report(w, variants, o, load)
	if o.breakdown {
		return breakdown(ctx, w, o, cdk, filepath.Join(floorDir, "floor"), tmp)
	}
	return nil
}

// variant is one configuration measured in every round.
type variant struct {
	name       string
	validation bool
	dir        string   // where cdk synth runs: its cdk.json
	args       []string // added to cdk synth
	want       func([]assembly.Stack) error
	runs       []measurement
}

type measurement struct{ wall, cpu time.Duration }

// synth runs `cdk synth` as `make synth` does, into a fresh folder, and
// checks what it wrote.
func (v *variant) synth(ctx context.Context, cdk, tmp string) (measurement, error) {
	out := filepath.Join(tmp, "cdk.out")
	if err := os.RemoveAll(out); err != nil {
		return measurement{}, err
	}
	args := append([]string{"synth", "--no-notices", "--no-version-reporting", "--output", out, "--quiet"}, v.args...)
	cmd := exec.CommandContext(ctx, cdk, append(args, "**")...)
	cmd.Dir = v.dir
	cmd.Env = synthEnv(v.validation)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return measurement{}, fmt.Errorf("%s (validation %v): cdk synth: %v\n%s", v.name, v.validation, err, stderr.String())
	}
	stacks, err := assembly.Stacks(out)
	if err == nil {
		err = v.want(stacks)
	}
	if err != nil {
		return measurement{}, fmt.Errorf("%s: %v", v.name, err)
	}
	return measurement{wall: wall, cpu: cpuTime(cmd.ProcessState)}, nil
}

// synthEnv is the environment of `make synth` (the Makefile's exports), with
// CloudFormation Validate on or off.
func synthEnv(validation bool) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "CDK_VALIDATION=") || strings.HasPrefix(kv, "JSII_DEBUG=")
	})
	env = append(env, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		"AWS_EC2_METADATA_DISABLED=true", "CDK_DISABLE_CLI_TELEMETRY=true")
	if !validation {
		env = append(env, "CDK_VALIDATION=false")
	}
	return env
}

// cpuTime is the user and system time of the process and every descendant
// it waited for (the CLI waits for the app, the app for Node).
func cpuTime(ps *os.ProcessState) time.Duration {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return ps.UserTime() + ps.SystemTime()
}

func wantStacks(names ...string) func([]assembly.Stack) error {
	return func(got []assembly.Stack) error {
		var have []string
		for _, s := range got {
			have = append(have, s.Path())
		}
		if !slices.Equal(have, names) {
			return fmt.Errorf("synthesized %v, want %v", have, names)
		}
		return nil
	}
}

// wantStages checks that the assembly holds the stacks of n stages, among
// them those named, and no stack outside a stage (without an account there
// is no Pipeline stack). The package does not import stacks: that would
// start jsii in this process.
func wantStages(n int, names ...string) func([]assembly.Stack) error {
	return func(got []assembly.Stack) error {
		seen := map[string]bool{}
		for _, s := range got {
			if s.Stage == "" {
				return fmt.Errorf("synthesized %s, outside any stage", s.Path())
			}
			seen[s.Stage] = true
		}
		for _, name := range names {
			if !seen[name] {
				return fmt.Errorf("synthesized the stages %v, without %s", seen, name)
			}
		}
		if len(seen) != n {
			return fmt.Errorf("synthesized the stages %v, want %d", seen, n)
		}
		return nil
	}
}

// buildFloor builds ./floor and gives it a copy of cdk.json whose "app" runs
// it; it returns the folder to run `cdk synth` in.
func buildFloor(ctx context.Context, tmp string) (string, error) {
	dir := filepath.Join(tmp, "floor")
	bin := filepath.Join(dir, "floor")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/synthbench/floor").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the floor app: %v\n%s", err, out)
	}
	raw, err := os.ReadFile("cdk.json")
	if err != nil {
		return "", err
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return "", fmt.Errorf("cdk.json: %v", err)
	}
	cfg["app"] = bin
	raw, err = json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "cdk.json"), raw, 0o644)
}

// report prints the medians and the ratios to the floor, per validation setting.
func report(w io.Writer, variants []*variant, o options, load loadTracker) {
	fmt.Fprintf(w, "\n%d rounds; load average (1 min) during the run %s\n", o.rounds, load)
	fmt.Fprintln(w, "median wall-clock time of `cdk synth` (CPU time of all its processes); × floor: ratio of the medians [range of the per-round ratios]")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, validation := range []bool{true, false} {
		fmt.Fprintf(tw, "\nCloudFormation Validate %s\twall\tCPU\t× floor\t\n", onOff(validation))
		var floor *variant
		for _, v := range variants {
			if v.validation != validation {
				continue
			}
			if floor == nil {
				floor = v
			}
			fmt.Fprintf(tw, "  %s\t%.1f s\t%.1f s\t%s\t\n", v.name, median(v.wall()).Seconds(), median(v.cpu()).Seconds(), ratios(v, floor))
		}
	}
	tw.Flush()
	whole, stage := variants[1], variants[2]
	fmt.Fprintf(w, "\ntargets (validation on): whole app ≤ %.1f× floor: %s; one stage ≤ %.1f×: %s\n",
		targetWhole, verdict(whole, variants[0], targetWhole), targetStage, verdict(stage, variants[0], targetStage))
}

func (v *variant) wall() []time.Duration {
	out := make([]time.Duration, len(v.runs))
	for i, m := range v.runs {
		out[i] = m.wall
	}
	return out
}

func (v *variant) cpu() []time.Duration {
	out := make([]time.Duration, len(v.runs))
	for i, m := range v.runs {
		out[i] = m.cpu
	}
	return out
}

func ratios(v, floor *variant) string {
	if v == floor {
		return "1.00×"
	}
	per := make([]float64, len(v.runs))
	for i := range v.runs {
		per[i] = v.runs[i].wall.Seconds() / floor.runs[i].wall.Seconds()
	}
	slices.Sort(per)
	return fmt.Sprintf("%.2f× [%.2f–%.2f]", median(v.wall()).Seconds()/median(floor.wall()).Seconds(), per[0], per[len(per)-1])
}

func verdict(v, floor *variant, target float64) string {
	r := median(v.wall()).Seconds() / median(floor.wall()).Seconds()
	if r <= target {
		return fmt.Sprintf("%.2f×, met", r)
	}
	return fmt.Sprintf("%.2f×, NOT met", r)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off (CDK_VALIDATION=false)"
}
