package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// wires draws the wiring between drawn resources, one edge per pair with
// the labels of every wire between them.
func (b *builder) wires() {
	labels := map[[2]string][]string{}
	var pairs [][2]string
	for _, e := range b.app.Edges {
		from, ok1 := b.ids[e.From]
		to, ok2 := b.ids[e.To]
		if !ok1 || !ok2 || from == to {
			continue
		}
		label, ok := b.label(e)
		if !ok {
			continue
		}
		p := [2]string{from, to}
		if _, seen := labels[p]; !seen {
			pairs = append(pairs, p)
			labels[p] = nil
		}
		if label != "" && !contains(labels[p], label) {
			labels[p] = append(labels[p], label)
		}
	}
	for _, p := range pairs {
		sort.Strings(labels[p])
		b.edges = append(b.edges, Edge{From: p[0], To: p[1], Label: strings.Join(labels[p], ", ")})
	}
}

// label is how an edge reads, and whether it is drawn at all.
func (b *builder) label(e wiring.Edge) (string, bool) {
	switch e.Kind {
	case wiring.Integration, wiring.EventSource, wiring.Subscription:
		return "", true
	case wiring.Authorizer:
		return "authorizer", true
	case wiring.Notification:
		return "object created", true
	case wiring.Origin:
		if e.Detail == "" || strings.HasPrefix(e.Detail, "default") {
			return "", true // the default behaviour: everything else
		}
		return e.Detail, true
	case wiring.Schedule:
		return e.Detail, true
	case wiring.EventRule:
		return "events", true
	case wiring.DeadLetter:
		return "dead letters", true
	case wiring.Connection:
		if len(b.app.Between(e.From, e.To, wiring.Proxy)) > 0 {
			return "", false // a proxy's connection to its target says nothing more
		}
		if e.Detail == "" {
			return "connects", true
		}
		return ":" + e.Detail, true
	case wiring.Proxy:
		return "pools", true
	case wiring.Rollout:
		return "shifts traffic", true
	case wiring.Firewall:
		return "filters", true
	case wiring.Grant:
		// A consumer's grant on the queue it polls repeats the event source.
		if len(b.app.Between(e.To, e.From, wiring.EventSource)) > 0 {
			return "", false
		}
		v := verbs(e.Detail)
		return v, v != ""
	}
	return "", false
}

// verbs summarizes a grant's actions.
func verbs(actions string) string {
	set := map[string]bool{}
	for _, a := range strings.Split(actions, ",") {
		svc, act, _ := strings.Cut(a, ":")
		switch {
		case a == "rds-db:connect":
			set["IAM auth"] = true
		case svc == "lambda" && strings.HasPrefix(act, "Invoke"):
			set["invoke"] = true
		case svc == "sns" && act == "Publish":
			set["publish"] = true
		case svc == "sqs" && act == "SendMessage":
			set["send"] = true
		case svc == "sqs" && (act == "ReceiveMessage" || act == "DeleteMessage"):
			set["consume"] = true
		case svc == "kms" || svc == "logs" || svc == "xray" || svc == "ec2":
		case hasAnyPrefix(act, "Put", "Delete", "Abort", "Update", "Write", "BatchWrite", "Create", "StartExecution"):
			set["write"] = true
		case hasAnyPrefix(act, "Get", "List", "Query", "Scan", "BatchGet"):
			set["read"] = true
		}
	}
	if set["read"] && set["write"] {
		delete(set, "read")
		delete(set, "write")
		set["read/write"] = true
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const browser = "Browser"

// external adds the browser: it reaches every distribution, and signs in
// to every user pool that has a public app client (one without a secret).
func (b *builder) external() {
	var targets []Edge
	for ref, id := range b.ids {
		n := b.app.Nodes[ref]
		switch n.Type {
		case "AWS::CloudFront::Distribution":
			targets = append(targets, Edge{From: browser, To: id, Label: "HTTPS"})
		case "AWS::Cognito::UserPool":
			for _, c := range b.app.NodesOf(ref.Stack, "AWS::Cognito::UserPoolClient") {
				secret, _ := c.Prop("GenerateSecret").(bool)
				pools := b.app.Refs(c.Stack, c.Prop("UserPoolId"))
				if !secret && len(pools) == 1 && pools[0] == ref {
					targets = append(targets, Edge{From: browser, To: id, Label: "sign in"})
					break
				}
			}
		}
	}
	if len(targets) == 0 {
		return
	}
	b.nodes[browser] = &Node{ID: browser, Label: "Browser", Service: "external"}
	b.edges = append(b.edges, targets...)
}

// deploys draws what pipelines deploy: one edge per deployed stage (or
// top-level stack), to its box when collapsed, to its group when drawn.
func (b *builder) deploys() {
	seen := map[[2]string]bool{}
	for _, e := range b.app.Edges {
		if e.Kind != wiring.Deploy {
			continue
		}
		from, ok := b.ids[e.From]
		if !ok {
			from = b.collapsed(b.stackUnit(e.From.Stack))
		}
		target := b.stackUnit(e.To.Stack)
		to, toGroup := b.collapsed(target), false
		if b.detail[target] {
			to, toGroup = groupID(target), true
		}
		if from == "" || to == "" || seen[[2]string{from, to}] {
			continue
		}
		seen[[2]string{from, to}] = true
		b.edges = append(b.edges, Edge{From: from, To: to, ToGroup: toGroup, Label: "deploys"})
	}
}

// collapsed returns the box standing for a unit drawn in one piece, making
// it on first use; "" for a unit drawn in detail.
func (b *builder) collapsed(u string) string {
	if b.detail[u] {
		return ""
	}
	id := sanitize("unit_" + u)
	if _, ok := b.nodes[id]; !ok {
		stacks := 0
		for _, s := range b.app.Stacks {
			if unit(s.Stage, s.Name) == u {
				stacks++
			}
		}
		kind := "stage"
		if !b.isStage(u) {
			kind = "stack"
		}
		b.nodes[id] = &Node{ID: id, Label: fmt.Sprintf("%s %s\n%d stack%s, not detailed", u, kind, stacks, plural(stacks)), Service: "stage"}
	}
	return id
}

// isStage tells a stage from a stack outside stages.
func (b *builder) isStage(u string) bool {
	for _, s := range b.app.Stacks {
		if s.Stage == u {
			return true
		}
	}
	return false
}

// groupID is the group of a unit drawn in detail: its stage, or the stack's
// own group outside stages.
func groupID(u string) string { return sanitize("group_" + u) }

// keepConnected drops drawn resources with no edge: a diagram of wiring
// has no use for them.
func (b *builder) keepConnected() {
	linked := map[string]bool{}
	for _, e := range b.edges {
		linked[e.From], linked[e.To] = true, true
	}
	for ref, id := range b.ids {
		if !linked[id] {
			delete(b.ids, ref)
		}
	}
}
