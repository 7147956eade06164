// Package diagram draws the architecture of any synthesized cloud assembly
// (cdk.out) from its templates and tree.json: the main resources (functions,
// APIs, queues, topics, buckets, databases, distributions, web ACLs,
// pipelines …) grouped by stage and stack, and edges from their real wiring
// (API integrations, event sources, subscriptions, bucket notifications,
// CloudFront origins, schedules, dead-letter queues, IAM grants between the
// app's resources, database connections, pipeline deployments). References
// across stacks are followed to the resource in the other stack.
//
// It renders Mermaid (for a README) and Graphviz DOT, and SVG through
// Graphviz compiled to WebAssembly (no system package):
//
//	g, err := diagram.Build("cdk.out", diagram.Options{Detail: []string{"Prod"}})
//	fmt.Println(g.Mermaid())
//	svg, err := g.SVG(ctx)
package diagram

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/wiring"
)

// Options choose what to draw.
type Options struct {
	// Detail names the stages (and stacks outside any stage) drawn resource
	// by resource; every other one is one box, so a pipeline's deployments
	// of it stay visible. Empty: everything in detail.
	Detail []string
}

// Graph is a diagram ready to render.
type Graph struct {
	Groups []Group
	Nodes  []Node
	Edges  []Edge
}

// Group is a stage or a stack: a box around nodes.
type Group struct {
	ID, Label string
	// Parent is the ID of the enclosing group ("" at the top).
	Parent string
}

// Node is one resource, a collapsed stage, or an outside actor (Browser).
type Node struct {
	ID, Label string
	// Service names the kind of node ("Lambda", "SQS", "stage", "external").
	Service string
	// Group is the ID of the innermost group holding it ("" at the top).
	Group string
}

// Edge is a wire between two nodes, or from a node to a group (ToGroup).
type Edge struct {
	From, To string
	ToGroup  bool
	Label    string
}

// services are the resource types drawn, by the label of their service.
var services = map[string]string{
	"AWS::CloudFront::Distribution":    "CloudFront",
	"AWS::S3::Bucket":                  "S3",
	"AWS::ApiGateway::RestApi":         "API Gateway",
	"AWS::ApiGatewayV2::Api":           "API Gateway",
	"AWS::Cognito::UserPool":           "Cognito",
	"AWS::Lambda::Function":            "Lambda",
	"AWS::SNS::Topic":                  "SNS",
	"AWS::SQS::Queue":                  "SQS",
	"AWS::RDS::DBCluster":              "Aurora",
	"AWS::RDS::DBProxy":                "RDS Proxy",
	"AWS::DynamoDB::Table":             "DynamoDB",
	"AWS::Events::Rule":                "EventBridge",
	"AWS::WAFv2::WebACL":               "WAF",
	"AWS::CodePipeline::Pipeline":      "CodePipeline",
	"AWS::CodeDeploy::DeploymentGroup": "CodeDeploy",
	"AWS::StepFunctions::StateMachine": "Step Functions",
	"AWS::Kinesis::Stream":             "Kinesis",
}

// Build reads the assembly in dir and lays out its diagram.
func Build(dir string, opts Options) (*Graph, error) {
	app, err := wiring.Load(dir)
	if err != nil {
		return nil, err
	}
	return build(app, opts)
}

func build(app *wiring.App, opts Options) (*Graph, error) {
	b := &builder{app: app, detail: map[string]bool{}, ids: map[wiring.Ref]string{}, nodes: map[string]*Node{}}
	known := map[string]bool{}
	for _, s := range app.Stacks {
		known[unit(s.Stage, s.Name)] = true
	}
	var unknown []string
	for _, d := range opts.Detail {
		if !known[d] {
			unknown = append(unknown, d)
		}
		b.detail[d] = true
	}
	if len(unknown) > 0 {
		units := make([]string, 0, len(known))
		for u := range known {
			units = append(units, u)
		}
		sort.Strings(units)
		return nil, fmt.Errorf("diagram: no stage or top-level stack named %s (there are %s)", strings.Join(unknown, ", "), strings.Join(units, ", "))
	}
	if len(opts.Detail) == 0 {
		for u := range known {
			b.detail[u] = true
		}
	}
	b.run()
	return b.graph(), nil
}

// unit is what Options.Detail names: the stage, or a stack outside stages.
func unit(stage, stack string) string {
	if stage != "" {
		return stage
	}
	return stack
}

type builder struct {
	app    *wiring.App
	detail map[string]bool
	ids    map[wiring.Ref]string // drawn resources
	nodes  map[string]*Node
	edges  []Edge
	groups []Group
}

// stackUnit returns the unit of the stack at path.
func (b *builder) stackUnit(path string) string {
	s, _ := b.app.Stack(path)
	return unit(s.Stage, s.Name)
}

func (b *builder) run() {
	hidden := b.hidden()
	for _, s := range b.app.Stacks {
		u := unit(s.Stage, s.Name)
		if !b.detail[u] {
			continue
		}
		for _, n := range b.app.NodesOf(s.Path(), keys(services)...) {
			if !hidden[n.Ref] {
				b.ids[n.Ref] = sanitize(s.Path() + "_" + wiring.TrimHash(n.ID))
			}
		}
	}
	b.wires()
	b.external()
	b.deploys()
	b.keepConnected()
	// Every stage appears, in one box when not in detail; a top-level stack
	// only when an edge reaches it.
	for _, s := range b.app.Stacks {
		if s.Stage != "" {
			b.collapsed(s.Stage)
		}
	}
}

// hidden are the resources a reader does not need: CDK's own
// custom-resource machinery, and buckets that only receive access logs.
func (b *builder) hidden() map[wiring.Ref]bool {
	out := map[wiring.Ref]bool{}
	for _, n := range b.app.NodesOf("", "AWS::Lambda::Function") {
		if plumbing(n) {
			out[n.Ref] = true
		}
	}
	for _, n := range b.app.NodesOf("", "AWS::S3::Bucket") {
		in := b.app.Into(n.Ref, wiring.Logs, wiring.Origin, wiring.Notification, wiring.Grant)
		logs := len(in) > 0
		for _, e := range in {
			logs = logs && (e.Kind == wiring.Logs || out[e.From])
		}
		if logs {
			out[n.Ref] = true
		}
	}
	return out
}

// plumbing tells CDK's deploy-time machinery from the app's functions: it
// is declared by a raw CfnResource (absent from tree.json), lives under a
// "Custom::" singleton, or inside a custom-resource provider framework.
func plumbing(n *wiring.Node) bool {
	if n.Construct.Path == "" {
		return true
	}
	for _, seg := range strings.Split(n.Construct.Path, "/") {
		if strings.HasPrefix(seg, "Custom::") {
			return true
		}
	}
	for _, f := range n.Construct.FQNs {
		if strings.HasPrefix(f, "aws-cdk-lib.custom_resources.") {
			return true
		}
	}
	return false
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sanitize makes an identifier Mermaid and DOT accept unquoted.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	return b.String()
}
