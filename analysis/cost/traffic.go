package cost

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// How traffic of the profile reaches each resource, from the wiring.

// lambdaPollers is how many long-polling ReceiveMessage loops Lambda keeps
// on each SQS queue it reads, each returning at the latest after 20 s: an
// event source mapping costs SQS requests even when the queue is empty.
const (
	lambdaPollers   = 5
	longPollSeconds = 20
)

// idlePolls is the ReceiveMessage requests per month of one event source
// mapping on an empty queue.
const idlePolls = lambdaPollers * HoursPerMonth * 3600 / longPollSeconds

// invocations returns the monthly invocations of a function, idle and at
// profile, and a note naming where they come from.
func (e *estimator) invocations(fn wiring.Ref) (idle, profile float64, note string) {
	var why []string
	for _, ed := range e.app.Into(fn, wiring.Integration, wiring.EventSource, wiring.Schedule,
		wiring.Subscription, wiring.Notification, wiring.CustomResource, wiring.Grant) {
		from := e.app.Nodes[ed.From]
		switch ed.Kind {
		case wiring.Integration:
			share := e.methodShare(ed.From, fn)
			profile += e.profile.APIRequests * share
			why = append(why, fmt.Sprintf("%s of %s's requests", pct(share), from.Name()))
		case wiring.EventSource:
			_, msgs := e.messages(ed.From)
			profile += msgs
			why = append(why, "messages of "+from.Name())
		case wiring.Schedule:
			n, ok := perMonth(ed.Detail)
			if !ok {
				why = append(why, fmt.Sprintf("schedule %q not understood: not counted", ed.Detail))
				continue
			}
			idle += n
			profile += n
			why = append(why, ed.Detail)
		case wiring.Subscription:
			_, msgs := e.messages(ed.From)
			profile += msgs
			why = append(why, "messages of "+from.Name())
		case wiring.Notification:
			profile += e.profile.Uploads
			why = append(why, "uploads to "+from.Name())
		case wiring.CustomResource:
			why = append(why, "custom resource: runs on deploys only")
		case wiring.Grant:
			if strings.Contains(ed.Detail, "lambda:InvokeFunction") && from.Type == "AWS::Lambda::Function" {
				why = append(why, "invoked by "+from.Name()+" (not counted)")
			}
		}
	}
	if len(why) == 0 {
		why = append(why, "no trigger in the templates: not counted")
	}
	return idle, profile, strings.Join(dedupe(why), "; ")
}

// methodShare is the share of an API's function-backed methods that reach fn.
func (e *estimator) methodShare(api, fn wiring.Ref) float64 {
	total, mine := 0, 0
	for _, m := range e.app.NodesOf(api.Stack, "AWS::ApiGateway::Method") {
		if apis := e.app.RefsOfType(m.Stack, m.Prop("RestApiId"), "AWS::ApiGateway::RestApi"); len(apis) != 1 || apis[0] != api {
			continue
		}
		fns := e.app.RefsOfType(m.Stack, m.Prop("Integration", "Uri"), "AWS::Lambda::Function")
		if len(fns) == 0 {
			continue
		}
		total++
		if fns[0] == fn {
			mine++
		}
	}
	if total == 0 {
		return 1
	}
	return float64(mine) / float64(total)
}

// messages returns the monthly messages through a topic or queue, idle and
// at profile: a topic carries Events when an app function publishes to it,
// plus Uploads per bucket announcing objects on it; a queue carries what
// the topics subscribed to it and the buckets notifying it carry.
func (e *estimator) messages(r wiring.Ref) (idle, profile float64) {
	if v, ok := e.memo[r]; ok {
		return v[0], v[1]
	}
	e.memo[r] = [2]float64{} // a cycle counts nothing twice
	published := false
	for _, ed := range e.app.Into(r, wiring.Subscription, wiring.Notification, wiring.Grant) {
		switch ed.Kind {
		case wiring.Subscription:
			i, p := e.messages(ed.From)
			idle, profile = idle+i, profile+p
		case wiring.Notification:
			profile += e.profile.Uploads
		case wiring.Grant:
			published = published || strings.Contains(ed.Detail, "sns:Publish") && e.isAppFunction(ed.From)
		}
	}
	if published {
		profile += e.profile.Events
	}
	e.memo[r] = [2]float64{idle, profile}
	return idle, profile
}

// isAppFunction tells the app's functions from CDK's deploy-time providers:
// a function that a custom resource calls is not traffic.
func (e *estimator) isAppFunction(r wiring.Ref) bool {
	n, ok := e.app.Nodes[r]
	return ok && n.Type == "AWS::Lambda::Function" && len(e.app.Into(r, wiring.CustomResource)) == 0
}

// writesTo reports whether an app function may put objects into bucket.
func (e *estimator) writesTo(bucket wiring.Ref) bool {
	for _, ed := range e.app.Into(bucket, wiring.Grant) {
		if strings.Contains(ed.Detail, "s3:PutObject") && e.isAppFunction(ed.From) {
			return true
		}
	}
	return false
}

// perMonth counts the runs of a schedule expression in a month: rate(N
// unit) exactly; cron(min hour dom month dow year) by its minute and hour
// fields, scaled by the share of days its day fields keep.
func perMonth(expr string) (float64, bool) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "rate("), ")"))
		if len(f) != 2 {
			return 0, false
		}
		n, err := strconv.ParseFloat(f[0], 64)
		if err != nil || n <= 0 {
			return 0, false
		}
		minutes := map[string]float64{"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[f[1]]
		if minutes == 0 {
			return 0, false
		}
		return HoursPerMonth * 60 / (n * minutes), true
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
		if len(f) != 6 {
			return 0, false
		}
		mins, ok1 := cronCount(f[0], 0, 59)
		hours, ok2 := cronCount(f[1], 0, 23)
		days := 1.0
		if f[2] != "*" && f[2] != "?" {
			n, ok := cronCount(f[2], 1, 31)
			if !ok {
				return 0, false
			}
			days *= n / 30.42
		}
		if f[4] != "*" && f[4] != "?" {
			n, ok := cronCount(f[4], 1, 7)
			if !ok {
				return 0, false
			}
			days *= n / 7
		}
		if !ok1 || !ok2 {
			return 0, false
		}
		return mins * hours * days * HoursPerMonth / 24, true
	}
	return 0, false
}

// cronCount counts the values a cron field matches: *, n, a-b, lists, steps.
func cronCount(field string, lo, hi int) (float64, bool) {
	count := 0
	for _, part := range strings.Split(field, ",") {
		rng, step := part, 1
		if r, s, ok := strings.Cut(part, "/"); ok {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return 0, false
			}
			rng, step = r, n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			x, err1 := strconv.Atoi(a)
			y, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil {
				return 0, false
			}
			from, to = x, y
		default:
			x, err := strconv.Atoi(rng)
			if err != nil {
				return 0, false
			}
			from = x
			if step == 1 {
				to = x
			}
		}
		for v := from; v <= to; v += step {
			count++
		}
	}
	return float64(count), count > 0
}

func pct(share float64) string {
	return strconv.FormatFloat(share*100, 'f', -1, 64) + "%"
}

// dedupe drops repeated notes, keeping the first of each.
func dedupe(notes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range notes {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
