package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// jsiiCalls counts the requests Go sent to the jsii kernel, by kind.
type jsiiCalls map[string]int

func (c jsiiCalls) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

func (c jsiiCalls) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return strings.Join(parts, ", ")
}

// countJsiiCalls runs the app with JSII_DEBUG=1, under which the kernel logs
// every request ("> {json}") to stderr, and counts them; it also counts the
// resources of the templates written.
func countJsiiCalls(ctx context.Context, app, stage, tmp string) (jsiiCalls, int, error) {
	log, err := runApp(ctx, app, stage, tmp, "JSII_DEBUG=1")
	if err != nil {
		return nil, 0, err
	}
	calls := jsiiCalls{}
	s := bufio.NewScanner(strings.NewReader(log))
	s.Buffer(make([]byte, 1<<20), 64<<20)
	for s.Scan() {
		line, ok := strings.CutPrefix(s.Text(), "> ")
		if !ok || !strings.HasPrefix(line, "{") {
			continue
		}
		var req struct {
			API      string `json:"api"`
			Complete any    `json:"complete"`
		}
		if json.Unmarshal([]byte(line), &req) != nil {
			continue
		}
		switch {
		case req.API != "" && req.API != "load":
			calls[req.API]++
		case req.Complete != nil:
			calls["callback"]++
		}
	}
	stacks, err := assembly.Stacks(filepath.Join(tmp, "app.out"))
	if err != nil {
		return nil, 0, err
	}
	resources := 0
	for _, st := range stacks {
		t, err := assembly.ReadTemplate(st.Template)
		if err != nil {
			return nil, 0, err
		}
		resources += len(t.Resources)
	}
	return calls, resources, nil
}
