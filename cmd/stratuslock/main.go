// Command stratuslock rewrites the committed locks after an intended
// change, writing the reason into them: `make lock REASON="…"`.
//
//	go run ./cmd/stratuslock -reason "rename the uploads bucket: it is empty in every stage"
//
// It refuses to run without a reason. Each lock is a section below; a
// section records the current state with the reason and returns the
// changes it made, which the command prints: review them with `git diff`
// and commit them with the change they acknowledge. Run it from the
// repository root after `make deps web`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stratus-cdk/stratus/internal/analysis/migrationcheck"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/internal/analysis/statelock"
)

// section is one lock file.
type section struct {
	name, path string
	// record rewrites the lock at path for the current tree and returns
	// the changes, one line each (none: the lock was up to date).
	record func(s *session, path string) ([]string, error)
}

// sections are the locks `make lock` rewrites, in this order. A new lock
// is one more line here and its record function.
var sections = []section{
	{"stateful resources", statelock.DefaultPath, recordStateful},
	{"shipped migrations", migrationcheck.LockFile, recordMigrations},
}

// session is what the sections share: the reason, today's date and the
// app synthesized once, on first use.
type session struct {
	reason, date string
	stacks       []statelock.Stack
}

func main() {
	reason := flag.String("reason", "", "why the change is safe: written into every changed lock entry (required)")
	flag.Parse()
	if strings.TrimSpace(*reason) == "" {
		fmt.Fprintln(os.Stderr, `stratuslock: a reason is required: make lock REASON="why this change is safe"`)
		os.Exit(2)
	}
	s := &session{reason: strings.TrimSpace(*reason), date: time.Now().UTC().Format("2006-01-02")}
	failed := false
	for _, sec := range sections {
		changes, err := sec.record(s, sec.path)
		switch {
		case err != nil:
			fmt.Fprintf(os.Stderr, "stratuslock: %s: %v\n", sec.name, err)
			failed = true
		case len(changes) == 0:
			fmt.Printf("%s (%s): up to date\n", sec.path, sec.name)
		default:
			fmt.Printf("%s (%s): %d changes, reason %q\n", sec.path, sec.name, len(changes), s.reason)
			for _, c := range changes {
				fmt.Println("  " + c)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}

// appStacks synthesizes the working tree as the stack tests do, once.
func (s *session) appStacks() ([]statelock.Stack, error) {
	if s.stacks != nil {
		return s.stacks, nil
	}
	tmp, err := os.MkdirTemp("", "stratuslock-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "cdk.out")
	fmt.Println("synthesizing the app…")
	if err := refsynth.Tree(context.Background(), ".", out, refsynth.Options{}); err != nil {
		return nil, err
	}
	s.stacks, err = statelock.ReadAssembly(out)
	return s.stacks, err
}

func recordStateful(s *session, path string) ([]string, error) {
	lock, err := statelock.ReadLock(path)
	if os.IsNotExist(err) {
		lock = statelock.New("Prod")
	} else if err != nil {
		return nil, err
	}
	stacks, err := s.appStacks()
	if err != nil {
		return nil, err
	}
	next, changes, err := lock.Relock(stacks, s.reason, s.date)
	if err != nil || len(changes) == 0 {
		return nil, err
	}
	return changes, next.Write(path)
}
