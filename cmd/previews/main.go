// Command previews names preview stages and lists the old ones.
//
//	go run ./cmd/previews -name feature/login      # the stage name: Preview-feature-login-<hash>
//	aws cloudformation describe-stacks --output json \
//	  | go run ./cmd/previews -older-than 7        # or: make previews-older DAYS=7
//
// With -older-than it reads the JSON of `aws cloudformation describe-stacks`
// (stdin, or the file given) and prints, oldest first, one line per preview
// whose stratus:preview-created tag is more than that many days before
// -today (default: today, UTC): its stage name, its creation date and its
// stacks, so `make preview-destroy NAME=…` can remove it. Stacks without
// the tag are no previews and are left out.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cdk/stratus/stacks"
)

func main() {
	name := flag.String("name", "", "print the preview stage name of this branch and exit")
	older := flag.Int("older-than", -1, "list the previews created more than this many days ago")
	today := flag.String("today", time.Now().UTC().Format(time.DateOnly), "the date ages are counted to (YYYY-MM-DD)")
	flag.Parse()
	if err := run(*name, *older, *today, flag.Args(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "previews:", err)
		os.Exit(2)
	}
}

func run(name string, older int, today string, args []string, stdin io.Reader, out io.Writer) error {
	if name != "" {
		n, err := stacks.PreviewName(name)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, stacks.PreviewPrefix+n)
		return err
	}
	if older < 0 {
		return fmt.Errorf("give -name BRANCH or -older-than DAYS")
	}
	in := stdin
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	day, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return fmt.Errorf("-today %q: %w", today, err)
	}
	list, err := Older(in, older, day)
	if err != nil {
		return err
	}
	for _, p := range list {
		if _, err := fmt.Fprintf(out, "%s\t%s\t%s\n", p.Stage, p.Created.Format(time.DateOnly), strings.Join(p.Stacks, ",")); err != nil {
			return err
		}
	}
	return nil
}

// Preview is one preview stage found among the stacks.
type Preview struct {
	// Stage is its name, Preview-<name>; Stacks its CloudFormation stacks.
	Stage   string
	Created time.Time
	Stacks  []string
}

// describeStacks is the part of `aws cloudformation describe-stacks`'s
// answer read here.
type describeStacks struct {
	Stacks []struct {
		StackName string `json:"StackName"`
		Tags      []struct {
			Key   string `json:"Key"`
			Value string `json:"Value"`
		} `json:"Tags"`
	} `json:"Stacks"`
}

// Older reads describe-stacks JSON and returns the previews created more
// than days days before today, oldest first. A preview stack whose date tag
// is no date is an error naming it: it would otherwise never be listed.
func Older(r io.Reader, days int, today time.Time) ([]Preview, error) {
	var ds describeStacks
	if err := json.NewDecoder(r).Decode(&ds); err != nil {
		return nil, fmt.Errorf("reading describe-stacks JSON: %w", err)
	}
	byStage := map[string]*Preview{}
	for _, s := range ds.Stacks {
		var created, name string
		for _, tag := range s.Tags {
			switch tag.Key {
			case stacks.PreviewCreatedTag:
				created = tag.Value
			case stacks.PreviewTag:
				name = tag.Value
			}
		}
		if created == "" {
			continue
		}
		date, err := time.Parse(time.DateOnly, created)
		if err != nil {
			return nil, fmt.Errorf("stack %s: tag %s %q is not a date", s.StackName, stacks.PreviewCreatedTag, created)
		}
		if today.Sub(date) <= time.Duration(days)*24*time.Hour {
			continue
		}
		stage := stacks.PreviewPrefix + name
		if name == "" {
			stage = s.StackName[:strings.LastIndex(s.StackName, "-")]
		}
		p := byStage[stage]
		if p == nil {
			p = &Preview{Stage: stage, Created: date}
			byStage[stage] = p
		}
		if date.Before(p.Created) {
			p.Created = date
		}
		p.Stacks = append(p.Stacks, s.StackName)
	}
	out := make([]Preview, 0, len(byStage))
	for _, p := range byStage {
		slices.Sort(p.Stacks)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Preview) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Stage, b.Stage)
	})
	return out, nil
}
