package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// graph assembles the groups, the labelled nodes and the sorted edges.
func (b *builder) graph() *Graph {
	g := &Graph{}
	grouped := map[string]bool{}
	for _, s := range b.app.Stacks {
		var ids []wiring.Ref
		for ref := range b.ids {
			if ref.Stack == s.Path() {
				ids = append(ids, ref)
			}
		}
		if len(ids) == 0 && !b.detail[unit(s.Stage, s.Name)] {
			continue
		}
		group := groupID(s.Name)
		if s.Stage != "" {
			if !grouped[s.Stage] {
				grouped[s.Stage] = true
				g.Groups = append(g.Groups, Group{ID: groupID(s.Stage), Label: s.Stage + " stage"})
			}
			group = sanitize("group_" + s.Path())
			g.Groups = append(g.Groups, Group{ID: group, Label: s.Name + " stack", Parent: groupID(s.Stage)})
		} else {
			g.Groups = append(g.Groups, Group{ID: group, Label: s.Name + " stack"})
		}
		names := b.shortNames(ids)
		for _, ref := range ids {
			n := b.app.Nodes[ref]
			b.nodes[b.ids[ref]] = &Node{ID: b.ids[ref], Label: services[n.Type] + "\n" + names[ref] + b.suffix(n),
				Service: services[n.Type], Group: group}
		}
	}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, *n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].ID < g.Nodes[j].ID })
	g.Edges = b.edges
	sort.SliceStable(g.Edges, func(i, j int) bool {
		if g.Edges[i].From != g.Edges[j].From {
			return g.Edges[i].From < g.Edges[j].From
		}
		return g.Edges[i].To < g.Edges[j].To
	})
	return g
}

// shortNames names each node by the last two segments of its construct
// path ("Site/Bucket", "Worker/Queue"; "Api/Api" reads "Api"), with more
// segments where two nodes of the stack would read the same.
func (b *builder) shortNames(refs []wiring.Ref) map[wiring.Ref]string {
	out := map[wiring.Ref]string{}
	for depth := 2; depth < 6; depth++ {
		count := map[string]int{}
		for _, r := range refs {
			if _, done := out[r]; !done {
				count[tail(b.app.Nodes[r].Name(), depth)]++
			}
		}
		for _, r := range refs {
			if _, done := out[r]; done {
				continue
			}
			if name := tail(b.app.Nodes[r].Name(), depth); count[name] == 1 || depth == 5 {
				out[r] = name
			}
		}
	}
	return out
}

func tail(path string, n int) string {
	var segs []string
	for _, s := range strings.Split(path, "/") {
		if len(segs) == 0 || segs[len(segs)-1] != s {
			segs = append(segs, s)
		}
	}
	if len(segs) > n {
		segs = segs[len(segs)-n:]
	}
	return strings.Join(segs, "/")
}

// suffix adds what a reader should know of a node: a function that runs
// only on deploys (a custom resource calls it, directly or through CDK's
// provider framework), the instances of a database cluster.
func (b *builder) suffix(n *wiring.Node) string {
	switch n.Type {
	case "AWS::Lambda::Function":
		for _, e := range b.app.Into(n.Ref, wiring.CustomResource, wiring.Grant) {
			from := b.app.Nodes[e.From]
			if e.Kind == wiring.CustomResource || strings.Contains(e.Detail, "lambda:InvokeFunction") && plumbing(from) &&
				len(b.app.Into(e.From, wiring.CustomResource)) > 0 {
				return "\n(on deploy)"
			}
		}
	case "AWS::RDS::DBCluster":
		if m := len(b.app.Into(n.Ref, wiring.Member)); m > 0 {
			return fmt.Sprintf("\n(%d instance%s)", m, plural(m))
		}
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
