package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Schedule is an EventBridge rule that runs a function on a fixed rate: the outbox relay's.
type Schedule struct {
	Rule     *Resource
	Function Function
	// Every is the rule's ScheduleExpression rate.
	Every time.Duration
}

var scheduleEmulation = emulation{
	service: "EventBridge schedule (the outbox relay's)", file: "events.go",
	reads:   map[string][]string{"AWS::Events::Rule": {"ScheduleExpression", "State", "Targets"}},
	inert:   map[string][]string{"AWS::Events::Rule": {"Description"}},
	locally: "the same relay, every ScheduleExpression (`rate(…)`; a cron schedule is a start-up error); `-outbox-interval` shortens it",
}

var ratePattern = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// readSchedule reads the one scheduled rule that targets a function.
func readSchedule(a *Assembly) (Schedule, []string, error) {
	var fn *Resource
	rule, err := one(a, "AWS::Events::Rule", "a schedule that runs a function", func(r *Resource) bool {
		if r.Prop("ScheduleExpression") == nil {
			return false
		}
		for _, t := range r.List("Targets") {
			m, _ := t.(map[string]any)
			if f := r.Target(m["Arn"]); f != nil && f.Type == "AWS::Lambda::Function" {
				fn = f
				return true
			}
		}
		return false
	})
	if err != nil {
		return Schedule{}, nil, err
	}
	rd := &reader{r: rule}
	s := Schedule{Rule: rule}
	expr := rd.str("", "ScheduleExpression")
	if m := ratePattern.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[trimPlural(m[2])]
		s.Every = time.Duration(n) * unit
	} else if expr != "" {
		rd.fail([]string{"ScheduleExpression"}, "is %q: the local stack runs rate(N minutes|hours|days) schedules, not cron ones", expr)
	}
	if state := rd.str("ENABLED", "State"); state != "ENABLED" {
		rd.fail([]string{"State"}, "is %q: the local stack runs the schedule always", state)
	}
	var ferr error
	s.Function, ferr = readFunction(fn)
	if err := errors.Join(rd.err(), ferr); err != nil {
		return Schedule{}, nil, err
	}
	notes := unemulated(rule, scheduleEmulation.known(rule.Type)...)
	notes = append(notes, fmt.Sprintf("%s: Targets' RetryPolicy and DeadLetterConfig (a failed local run is retried at the next tick)", rule))
	return s, notes, nil
}

func trimPlural(s string) string {
	if len(s) > 0 && s[len(s)-1] == 's' {
		return s[:len(s)-1]
	}
	return s
}
