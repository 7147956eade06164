package main

import (
	"fmt"
	"io"
	"time"
)

// report prints what the clients saw in each phase, and the verdict.
func report(out io.Writer, ph *phases, v verdict, drained time.Duration) {
	cols := ph.columns()
	header := append([]string{"duration", "requests"}, cols...)
	nameWidth := len("phase")
	for _, p := range ph.list {
		nameWidth = max(nameWidth, len(p.name))
	}
	line := func(name string, cells []string) {
		fmt.Fprintf(out, "%-*s", nameWidth, name)
		for i, c := range cells {
			fmt.Fprintf(out, "  %*s", max(len(header[i]), 6), c)
		}
		fmt.Fprintln(out)
	}
	line("phase", header)
	for _, p := range ph.list {
		total := 0
		cells := []string{fmt.Sprintf("%.1fs", p.end.Sub(p.start).Seconds()), ""}
		for _, c := range cols {
			total += p.seen[c]
			cells = append(cells, fmt.Sprint(p.seen[c]))
		}
		cells[1] = fmt.Sprint(total)
		line(p.name, cells)
	}
	fmt.Fprintln(out, "(the columns after requests: the HTTP statuses the clients got; refused: no answer, the server was down)")
	fmt.Fprintln(out)

	rows := []struct {
		name  string
		value string
	}{
		{"writes acknowledged (201)", fmt.Sprint(v.acknowledged)},
		{"  lost", fmt.Sprint(v.lost)},
		{"  duplicated", fmt.Sprint(v.duplicated)},
		{"writes never acknowledged (gave up)", fmt.Sprint(v.gaveUp)},
		{"writes refused with a 4xx", fmt.Sprint(v.rejected)},
		{"items", fmt.Sprint(v.items)},
		{"item.created events lost", fmt.Sprint(v.eventsLost)},
		{"item.created events duplicated", fmt.Sprint(v.eventsDuplicated)},
		{"dead letters", fmt.Sprint(v.deadLetters)},
		{"messages still queued", fmt.Sprint(v.pending)},
		{"queue drained after the writes in", fmt.Sprintf("%.1fs", drained.Seconds())},
	}
	for _, r := range rows {
		fmt.Fprintf(out, "%-36s %8s\n", r.name, r.value)
	}
	for _, e := range v.examples {
		fmt.Fprintln(out, "  ", e)
	}
	if v.pass() {
		fmt.Fprintln(out, "PASS: nothing acknowledged was lost or duplicated")
	} else {
		fmt.Fprintln(out, "FAIL")
	}
}
