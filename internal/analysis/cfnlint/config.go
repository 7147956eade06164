package cfnlint

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
)

// Exception excuses the findings of one rule, where the fields that are set
// all match, for a reason a reviewer can check. An exception that matches
// nothing fails the check: the file says what is excused today, no more.
type Exception struct {
	// Rule is cfn-lint's rule id, e.g. "W3010".
	Rule string `json:"rule"`
	// Stacks are globs (path.Match) of the stacks it applies to, by
	// construct path: "Pipeline", "*/Data". Default: every stack.
	Stacks []string `json:"stacks,omitempty"`
	// Path is a glob of the finding's location, path.Match over the
	// location's segments joined by "/": "Resources/*/DependsOn/*".
	// Default: anywhere.
	Path string `json:"path,omitempty"`
	// Message is a substring of the finding's message. Default: any.
	Message string `json:"message,omitempty"`
	// Reason is why the finding is not a defect of the templates.
	Reason string `json:"reason"`
}

// Config is the committed exceptions file.
type Config struct {
	Comment    string      `json:"//,omitempty"`
	Exceptions []Exception `json:"exceptions"`
}

var ruleID = regexp.MustCompile(`^[EWI][0-9]{4}$`)

// LoadConfig reads and checks the exceptions file: every exception names a
// rule and gives a reason; its globs parse. One error lists every problem.
func LoadConfig(file string) (*Config, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var problems []string
	for i, e := range c.Exceptions {
		where := fmt.Sprintf("exceptions[%d] (%s)", i, e.Rule)
		if !ruleID.MatchString(e.Rule) {
			problems = append(problems, fmt.Sprintf("%s: rule %q is not a cfn-lint rule id such as W3010", where, e.Rule))
		}
		if len(strings.Fields(e.Reason)) < 5 {
			problems = append(problems, where+": give the reason, in a sentence, why the finding is not a defect")
		}
		for _, g := range append(append([]string{}, e.Stacks...), e.Path) {
			if _, err := path.Match(g, ""); err != nil {
				problems = append(problems, fmt.Sprintf("%s: glob %q: %v", where, g, err))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s:\n  %s", file, strings.Join(problems, "\n  "))
	}
	return &c, nil
}

// covers reports whether e excuses f.
func (e *Exception) covers(f Finding) bool {
	if e.Rule != f.Rule || !strings.Contains(f.Message, e.Message) {
		return false
	}
	if e.Path != "" {
		if ok, _ := path.Match(e.Path, f.Path); !ok {
			return false
		}
	}
	if len(e.Stacks) == 0 {
		return true
	}
	for _, g := range e.Stacks {
		if ok, _ := path.Match(g, f.Stack); ok {
			return true
		}
	}
	return false
}
