package wiring

import (
	"regexp"
	"sort"
	"strings"
)

// Refs returns the resources a template value in stack refers to, in a
// stable order: Ref, Fn::GetAtt (through an SSM parameter's Value to what
// the parameter holds), ${X} and ${X.Attr} in Fn::Sub, and, across stacks,
// Fn::ImportValue (through the export's output value) and
// Fn::GetStackOutput (through the named stack's output). Parameters and
// pseudo parameters are not resources and are left out.
func (a *App) Refs(stack string, v any) []Ref {
	seen := map[Ref]bool{}
	a.collect(stack, v, seen, 0)
	out := make([]Ref, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// RefsOfType keeps the refs of v whose resources have one of the types,
// after mapping each to its owner (see Owner).
func (a *App) RefsOfType(stack string, v any, types ...string) []Ref {
	var out []Ref
	for _, r := range a.Refs(stack, v) {
		r = a.Owner(r)
		if n, ok := a.Nodes[r]; ok {
			for _, t := range types {
				if n.Type == t {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out
}

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// collect walks v; depth bounds the walk through exports that refer to
// other exports.
func (a *App) collect(stack string, v any, seen map[Ref]bool, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			a.collect(stack, e, seen, depth)
		}
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if a.intrinsic(stack, fn, arg, seen, depth) {
					return
				}
			}
		}
		for _, e := range x {
			a.collect(stack, e, seen, depth)
		}
	}
}

// intrinsic handles the functions that name resources; it reports whether
// fn was one of them.
func (a *App) intrinsic(stack, fn string, arg any, seen map[Ref]bool, depth int) bool {
	switch fn {
	case "Ref":
		if id, ok := arg.(string); ok {
			a.mark(Ref{stack, id}, seen)
		}
		return true
	case "Fn::GetAtt":
		var id, attr string
		switch at := arg.(type) {
		case []any:
			if len(at) > 0 {
				id, _ = at[0].(string)
			}
			if len(at) > 1 {
				attr, _ = at[1].(string)
			}
		case string:
			id, attr, _ = strings.Cut(at, ".")
		}
		// An SSM parameter's Value is the value it was given: a reference
		// to it names what that value names (serverlessdb publishes its
		// proxy's resource id, cut from the proxy's ARN, this way).
		if n, ok := a.Nodes[Ref{stack, id}]; ok && n.Type == "AWS::SSM::Parameter" && attr == "Value" {
			a.collect(stack, n.Prop("Value"), seen, depth+1)
			return true
		}
		a.mark(Ref{stack, id}, seen)
		return true
	case "Fn::Sub":
		var tmpl string
		switch s := arg.(type) {
		case string:
			tmpl = s
		case []any:
			if len(s) > 0 {
				tmpl, _ = s[0].(string)
			}
			if len(s) > 1 {
				a.collect(stack, s[1], seen, depth)
			}
		}
		for _, m := range subVar.FindAllStringSubmatch(tmpl, -1) {
			a.mark(Ref{stack, m[1]}, seen)
		}
		return true
	case "Fn::ImportValue":
		if name, ok := arg.(string); ok {
			if e, ok := a.exports[name]; ok {
				a.collect(e.stack, e.value, seen, depth+1)
			}
			return true
		}
		a.collect(stack, arg, seen, depth)
		return true
	case "Fn::GetStackOutput":
		m, _ := arg.(map[string]any)
		name, _ := m["StackName"].(string)
		output, _ := m["OutputName"].(string)
		if path, ok := a.byName[name]; ok {
			if o, ok := a.templates[path].Outputs[output]; ok {
				a.collect(path, o.Value, seen, depth+1)
			}
		}
		return true
	}
	return false
}

// mark records r when it is a resource (not a parameter or AWS::Region).
func (a *App) mark(r Ref, seen map[Ref]bool) {
	if _, ok := a.Nodes[r]; ok {
		seen[r] = true
	}
}

// ownerProp names, for parts of a larger resource, the property that
// refers to the whole: an API's stage, deployment and methods belong to the
// API, a DB instance to its cluster, an alias to its function.
var ownerProp = map[string]string{
	"AWS::ApiGateway::Stage":                      "RestApiId",
	"AWS::ApiGateway::Deployment":                 "RestApiId",
	"AWS::ApiGateway::Method":                     "RestApiId",
	"AWS::ApiGateway::Resource":                   "RestApiId",
	"AWS::ApiGatewayV2::Stage":                    "ApiId",
	"AWS::RDS::DBInstance":                        "DBClusterIdentifier",
	"AWS::RDS::DBProxyTargetGroup":                "DBProxyName",
	"AWS::Lambda::Alias":                          "FunctionName",
	"AWS::Lambda::Version":                        "FunctionName",
	"AWS::Lambda::Url":                            "TargetFunctionArn",
	"AWS::SecretsManager::SecretTargetAttachment": "SecretId",
}

// Owner maps a part to the resource it belongs to (see ownerProp); any other
// resource is its own owner.
func (a *App) Owner(r Ref) Ref {
	for i := 0; i < 3; i++ {
		n, ok := a.Nodes[r]
		if !ok {
			return r
		}
		prop, ok := ownerProp[n.Type]
		if !ok {
			return r
		}
		owners := a.Refs(r.Stack, n.Prop(prop))
		if len(owners) != 1 {
			return r
		}
		r = owners[0]
	}
	return r
}
