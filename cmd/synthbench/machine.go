package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// machine describes what the figures were measured on, for the README: the
// CPU model and count, memory, and the versions of Node, Go and the CDK CLI.
func machine() string {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := ""
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.Atoi(f[1]); err == nil {
					mem = fmt.Sprintf(", %d GB", (kb+512*1024)/(1024*1024))
				}
			}
		}
	}
	cli := "?"
	if raw, err := os.ReadFile("node_modules/aws-cdk/package.json"); err == nil {
		var p struct{ Version string }
		if json.Unmarshal(raw, &p) == nil {
			cli = p.Version
		}
	}
	return fmt.Sprintf("machine: %s, %d cores%s; Node %s, %s, aws-cdk CLI %s",
		cpu, runtime.NumCPU(), mem, output("node", "--version"), output("go", "env", "GOVERSION"), cli)
}

func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// loadTracker keeps the 1-minute load averages seen during the run.
type loadTracker struct{ samples []float64 }

func (l *loadTracker) sample() {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return
	}
	if f := strings.Fields(string(raw)); len(f) > 0 {
		if v, err := strconv.ParseFloat(f[0], 64); err == nil {
			l.samples = append(l.samples, v)
		}
	}
}

func (l loadTracker) String() string {
	if len(l.samples) == 0 {
		return "unknown"
	}
	lo, hi := l.samples[0], l.samples[0]
	for _, v := range l.samples {
		lo, hi = min(lo, v), max(hi, v)
	}
	return fmt.Sprintf("%.1f–%.1f (start %.1f, end %.1f) on %d cores", lo, hi, l.samples[0], l.samples[len(l.samples)-1], runtime.NumCPU())
}

// signalContext ends on Ctrl-C, so a long run stops with its child processes.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
