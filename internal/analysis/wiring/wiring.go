// Package wiring reads how the resources of a synthesized cloud assembly are
// connected, from the templates alone: API integrations, event sources,
// subscriptions, bucket notifications, CloudFront origins, schedules,
// dead-letter queues, IAM grants between the app's resources, database
// connections through security groups, web ACLs and pipeline deployments.
// References across stacks (Fn::ImportValue of an export, Fn::GetStackOutput)
// are followed to the resource in the other stack.
//
// The cost estimate uses it to know which function an API's requests reach
// and what keeps a database awake; the diagram draws it.
package wiring

import (
	"sort"
	"strings"

	"github.com/stratus-cdk/stratus/internal/analysis/assembly"
)

// Ref names a resource: the stack's construct path and the logical id. An
// empty ID names the stack itself (a pipeline deploys a stack).
type Ref struct {
	Stack, ID string
}

func (r Ref) String() string { return r.Stack + "/" + r.ID }

// Node is one resource of the app.
type Node struct {
	Ref
	assembly.Resource
	// Construct is the construct that declared it; zero when tree.json does
	// not name it (CDK's own providers, declared as raw CfnResources).
	Construct assembly.Construct
}

// Kind says what an edge means.
type Kind string

// The kinds of wiring. The edge points the way data or control flows.
const (
	Integration    Kind = "integration"     // API → function
	Authorizer     Kind = "authorizer"      // API → user pool that signs its callers in
	EventSource    Kind = "event-source"    // queue or stream → function polling it
	Subscription   Kind = "subscription"    // topic → queue or function
	Notification   Kind = "notification"    // bucket → topic, queue or function
	Origin         Kind = "origin"          // distribution → bucket or API
	Schedule       Kind = "schedule"        // rule → target (Detail: the expression)
	EventRule      Kind = "event-rule"      // rule matching events → target
	DeadLetter     Kind = "dead-letter"     // queue, rule or function → its dead-letter queue
	Grant          Kind = "grant"           // principal → resource its role may act on (Detail: actions)
	Connection     Kind = "connection"      // security-group ingress: client → server (Detail: port)
	Proxy          Kind = "proxy"           // RDS proxy → cluster
	Member         Kind = "member"          // DB instance → its cluster
	Firewall       Kind = "firewall"        // web ACL → what it protects
	CustomResource Kind = "custom-resource" // custom resource → its provider function
	Deploy         Kind = "deploy"          // pipeline → stack (To.ID == "")
	Build          Kind = "build"           // pipeline → CodeBuild project it runs
	Logs           Kind = "logs"            // writer → log group or log bucket
	Rollout        Kind = "rollout"         // CodeDeploy deployment group → function whose alias it shifts
)

// Edge is one connection.
type Edge struct {
	From, To Ref
	Kind     Kind
	// Detail qualifies the edge: actions of a grant (sorted, comma-separated),
	// a schedule expression, a port.
	Detail string
}

// App is every stack of an assembly, its resources and their wiring.
type App struct {
	Stacks []assembly.Stack
	Nodes  map[Ref]*Node
	Edges  []Edge

	templates map[string]*assembly.Template // by stack path
	exports   map[string]exported           // by export name
	byName    map[string]string             // CloudFormation stack name → stack path
}

type exported struct {
	stack string
	value any
}

// Load reads the assembly in dir and wires it.
func Load(dir string) (*App, error) {
	stacks, err := assembly.Stacks(dir)
	if err != nil {
		return nil, err
	}
	constructs, err := assembly.Constructs(dir, stacks)
	if err != nil {
		return nil, err
	}
	a := &App{Stacks: stacks, Nodes: map[Ref]*Node{}, templates: map[string]*assembly.Template{},
		exports: map[string]exported{}, byName: map[string]string{}}
	for _, s := range stacks {
		t, err := assembly.ReadTemplate(s.Template)
		if err != nil {
			return nil, err
		}
		a.templates[s.Path()] = t
		a.byName[s.StackName] = s.Path()
		for id, r := range t.Resources {
			ref := Ref{s.Path(), id}
			a.Nodes[ref] = &Node{Ref: ref, Resource: r, Construct: constructs[s.Path()][id]}
		}
		for _, o := range t.Outputs {
			if o.Export != nil {
				if name, ok := o.Export.Name.(string); ok {
					a.exports[name] = exported{s.Path(), o.Value}
				}
			}
		}
	}
	a.wire()
	sort.Slice(a.Edges, func(i, j int) bool { return edgeKey(a.Edges[i]) < edgeKey(a.Edges[j]) })
	return a, nil
}

func edgeKey(e Edge) string {
	return e.From.String() + "\x00" + e.To.String() + "\x00" + string(e.Kind) + "\x00" + e.Detail
}

// Template returns the template of the stack at path.
func (a *App) Template(stack string) *assembly.Template { return a.templates[stack] }

// Stack returns the stack at path.
func (a *App) Stack(path string) (assembly.Stack, bool) {
	for _, s := range a.Stacks {
		if s.Path() == path {
			return s, true
		}
	}
	return assembly.Stack{}, false
}

// NodesOf lists the nodes of the given types in stack ("" for every stack),
// in a stable order.
func (a *App) NodesOf(stack string, types ...string) []*Node {
	var out []*Node
	for _, n := range a.Nodes {
		if stack != "" && n.Stack != stack {
			continue
		}
		for _, t := range types {
			if n.Type == t {
				out = append(out, n)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.String() < out[j].Ref.String() })
	return out
}

// Into lists the edges of kind into r; Out the edges of kind out of r.
func (a *App) Into(r Ref, kinds ...Kind) []Edge {
	return a.filter(func(e Edge) bool { return e.To == r }, kinds)
}

// Out lists the edges of the given kinds that leave r.
func (a *App) Out(r Ref, kinds ...Kind) []Edge {
	return a.filter(func(e Edge) bool { return e.From == r }, kinds)
}

// Between lists the edges of the given kinds from one resource to another.
func (a *App) Between(from, to Ref, kinds ...Kind) []Edge {
	return a.filter(func(e Edge) bool { return e.From == from && e.To == to }, kinds)
}

func (a *App) filter(match func(Edge) bool, kinds []Kind) []Edge {
	var out []Edge
	for _, e := range a.Edges {
		if !match(e) {
			continue
		}
		for _, k := range kinds {
			if e.Kind == k {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// Name is a readable name for a node: its construct path within the stack
// without CDK's "Resource"/"Default" leaves, else its logical id without the
// 8-character hash CDK appends.
func (n *Node) Name() string {
	if n.Construct.Path != "" {
		p := strings.TrimPrefix(n.Construct.Path, n.Stack+"/")
		p = strings.TrimSuffix(strings.TrimSuffix(p, "/Resource"), "/Default")
		return p
	}
	return TrimHash(n.ID)
}

// TrimHash drops the 8 upper-case hex digits CDK appends to logical ids.
func TrimHash(id string) string {
	if len(id) > 8 {
		tail := id[len(id)-8:]
		if strings.Trim(tail, "0123456789ABCDEF") == "" {
			return id[:len(id)-8]
		}
	}
	return id
}

// add records an edge, once.
func (a *App) add(from, to Ref, kind Kind, detail string) {
	if from == to || from.ID == "" && from.Stack == "" || to.Stack == "" {
		return
	}
	for _, e := range a.Edges {
		if e.From == from && e.To == to && e.Kind == kind && e.Detail == detail {
			return
		}
	}
	a.Edges = append(a.Edges, Edge{From: from, To: to, Kind: kind, Detail: detail})
}
