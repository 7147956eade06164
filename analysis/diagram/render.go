package diagram

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/goccy/go-graphviz"
)

// style is how a service looks: a shape and a fill.
type style struct {
	mermaidOpen, mermaidClose string
	dotShape, fill            string
}

var (
	compute  = style{`["`, `"]`, "box", "#fff2e0"}
	store    = style{`[("`, `")]`, "cylinder", "#e6f4ea"}
	message  = style{`["`, `"]`, "box", "#fce8f0"}
	edge     = style{`["`, `"]`, "box", "#ede7f6"}
	guard    = style{`{{"`, `"}}`, "hexagon", "#fdecea"}
	outside  = style{`(["`, `"])`, "oval", "#ffffff"}
	boxed    = style{`[["`, `"]]`, "box3d", "#f1f3f4"}
	defaults = style{`["`, `"]`, "box", "#f1f3f4"}
)

func styleOf(service string) style {
	switch service {
	case "Lambda", "Step Functions", "CodePipeline":
		return compute
	case "S3", "Aurora", "DynamoDB":
		return store
	case "SNS", "SQS", "EventBridge", "Kinesis":
		return message
	case "CloudFront", "API Gateway", "RDS Proxy":
		return edge
	case "WAF", "Cognito":
		return guard
	case "external":
		return outside
	case "stage":
		return boxed
	}
	return defaults
}

// Mermaid renders the graph as a Mermaid flowchart, top to bottom.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	g.eachGroup("", func(gr Group, depth int, open bool) {
		pad := strings.Repeat("  ", depth+1)
		if open {
			fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", pad, gr.ID, gr.Label)
		} else {
			fmt.Fprintf(&b, "%send\n", pad)
		}
	}, func(n Node, depth int) {
		s := styleOf(n.Service)
		fmt.Fprintf(&b, "%s%s%s%s%s\n", strings.Repeat("  ", depth+1), n.ID, s.mermaidOpen, strings.ReplaceAll(n.Label, "\n", "<br/>"), s.mermaidClose)
	})
	for _, e := range g.Edges {
		if e.Label == "" {
			fmt.Fprintf(&b, "  %s --> %s\n", e.From, e.To)
		} else {
			fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", e.From, e.Label, e.To)
		}
	}
	return b.String()
}

// eachGroup walks groups depth first, calling group on entering (open)
// and leaving each, and node for each node inside.
func (g *Graph) eachGroup(parent string, group func(Group, int, bool), node func(Node, int)) {
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, n := range g.Nodes {
			if n.Group == parent {
				node(n, depth)
			}
		}
		for _, gr := range g.Groups {
			if gr.Parent == parent {
				group(gr, depth, true)
				walk(gr.ID, depth+1)
				group(gr, depth, false)
			}
		}
	}
	walk(parent, 0)
}

// DOT renders the graph for Graphviz: clusters for groups, an edge to a
// group drawn to its first node and clipped at the cluster's border.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph architecture {\n")
	b.WriteString("  graph [rankdir=TB, compound=true, newrank=true, fontname=\"Helvetica\", fontsize=13, nodesep=0.3, ranksep=0.5, pad=0.2];\n")
	b.WriteString("  node [style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11, margin=\"0.15,0.06\", color=\"#5f6368\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#5f6368\", fontcolor=\"#3c4043\", arrowsize=0.7];\n")
	g.eachGroup("", func(gr Group, depth int, open bool) {
		pad := strings.Repeat("  ", depth+1)
		if open {
			fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n%s  label=%s; style=\"rounded,dashed\"; color=\"#9aa0a6\"; fontcolor=\"#3c4043\";\n",
				pad, gr.ID, pad, quote(gr.Label))
			if g.groupTarget(gr.ID) {
				// An edge to a group ends at the group's border, drawn to an
				// invisible point at its top.
				fmt.Fprintf(&b, "%s  %s_anchor [shape=point, style=invis, width=0.01, label=\"\"];\n", pad, gr.ID)
			}
		} else {
			fmt.Fprintf(&b, "%s}\n", pad)
		}
	}, func(n Node, depth int) {
		s := styleOf(n.Service)
		fmt.Fprintf(&b, "%s%s [label=%s, shape=%s, fillcolor=%s];\n", strings.Repeat("  ", depth+1), n.ID, quote(n.Label), s.dotShape, quote(s.fill))

	})
	// Outside actors and boxes nothing points to start at the top: the
	// browser and a pipeline sit above what they reach.
	var top []string
	for _, n := range g.Nodes {
		if n.Group == "" && !g.pointedTo(n.ID) {
			top = append(top, n.ID)
		}
	}
	if len(top) > 0 {
		fmt.Fprintf(&b, "  { rank=min; %s; }\n", strings.Join(top, "; "))
	}
	// What points into a group comes above all of it: the anchor leads, by
	// invisible edges, to every node of the group nothing else points to.
	for _, gr := range g.Groups {
		if !g.groupTarget(gr.ID) {
			continue
		}
		for _, n := range g.Nodes {
			if g.within(n.Group, gr.ID) && !g.pointedTo(n.ID) {
				fmt.Fprintf(&b, "  %s_anchor -> %s [style=invis];\n", gr.ID, n.ID)
			}
		}
	}
	for _, e := range g.Edges {
		attrs := []string{}
		if e.Label != "" {
			attrs = append(attrs, "label="+quote(e.Label))
		}
		to := e.To
		if e.ToGroup {
			to = e.To + "_anchor"
			attrs = append(attrs, "lhead=cluster_"+e.To, "style=dashed")
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", e.From, to, strings.Join(attrs, ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

// within reports whether group lies inside (or is) ancestor.
func (g *Graph) within(group, ancestor string) bool {
	for ; group != ""; group = g.parent(group) {
		if group == ancestor {
			return true
		}
	}
	return false
}

func (g *Graph) groupTarget(id string) bool {
	for _, e := range g.Edges {
		if e.To == id && e.ToGroup {
			return true
		}
	}
	return false
}

func (g *Graph) pointedTo(id string) bool {
	for _, e := range g.Edges {
		if e.To == id && !e.ToGroup {
			return true
		}
	}
	return false
}

func (g *Graph) parent(id string) string {
	for _, gr := range g.Groups {
		if gr.ID == id {
			return gr.Parent
		}
	}
	return ""
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// SVG renders the graph with Graphviz's dot layout, compiled to
// WebAssembly (github.com/goccy/go-graphviz): no system package needed.
func (g *Graph) SVG(ctx context.Context) ([]byte, error) {
	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, err
	}
	defer gv.Close()
	parsed, err := graphviz.ParseBytes([]byte(g.DOT()))
	if err != nil {
		return nil, fmt.Errorf("diagram: graphviz rejected the DOT: %v", err)
	}
	defer parsed.Close()
	var buf bytes.Buffer
	if err := gv.Render(ctx, parsed, graphviz.SVG, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// MarkdownBlock wraps Mermaid in a fenced block, as a README shows it.
func MarkdownBlock(mermaid string) string {
	return "```mermaid\n" + mermaid + "```\n"
}
