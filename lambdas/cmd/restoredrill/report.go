package main

import (
	"fmt"
	"io"
	"time"
)

// report prints each step with its duration, the counts per store, and the verdict.
func report(out io.Writer, steps []step, v verdict, total time.Duration) {
	fmt.Fprintf(out, "%-8s  %8s  %s\n", "step", "duration", "what it did")
	for _, s := range steps {
		fmt.Fprintf(out, "%-8s  %7.1fs  %s\n", s.name, s.took.Seconds(), s.what)
	}
	fmt.Fprintf(out, "%-8s  %7.1fs\n\n", "total", total.Seconds())

	fmt.Fprintf(out, "%-8s  %8s  %12s  %8s  %5s  %10s\n", "", "written", "acknowledged", "restored", "lost", "duplicated")
	for _, r := range []struct {
		name string
		c    count
	}{{"items", v.items}, {"uploads", v.uploads}} {
		fmt.Fprintf(out, "%-8s  %8d  %12d  %8d  %5d  %10d\n", r.name, r.c.written, r.c.acknowledged, r.c.restored, r.c.lost, r.c.duplicated)
	}
	fmt.Fprintf(out, "creates retried after the restore with their Idempotency-Key: %d, answered with the acknowledged item: %d\n", v.replays, v.replayed)
	for _, e := range v.examples {
		fmt.Fprintln(out, "  ", e)
	}
	if v.pass() {
		fmt.Fprintln(out, "PASS: every acknowledged item and upload is restored once")
	} else {
		fmt.Fprintln(out, "FAIL: the restore lost or duplicated what the API had acknowledged (above)")
	}
}
