package mapping

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

var functionEmulation = emulation{
	service: "Lambda functions", file: "lambda.go",
	reads: map[string][]string{
		"AWS::Lambda::Function": {"Timeout", "ReservedConcurrentExecutions", "Environment.Variables"},
		// A gradual rollout's alias, and the version it points to: followed
		// to their function, whose code is the one local version.
		"AWS::Lambda::Alias":   {"FunctionName"},
		"AWS::Lambda::Version": {"FunctionName"},
	},
	locally: "the handlers in-process: the worker's batches bounded by its Timeout, as many at once as its reserved concurrency allows; " +
		"each handler configured from its Environment with the tokens resolved to the stand-ins (the bucket's, the parameter's and the topic's local names), " +
		"except the database connection (`DB_*`), which is the local PostgreSQL's; " +
		"a caller of an alias (a gradual rollout's `live`) calls its function: one version, so no traffic shifting and no CodeDeploy",
}

// invokedFunction is the AWS::Lambda::Function that v invokes: a Ref or
// Fn::GetAtt of one, or of an alias or a version of one (followed through
// its FunctionName), also inside an intrinsic (the Fn::Join of an
// integration URI, the "<function>:<alias>" that CDK writes for an alias's
// name). Nil when v names none.
func invokedFunction(r *Resource, v any) *Resource {
	switch t := v.(type) {
	case map[string]any:
		if target := r.Target(t); target != nil {
			switch target.Type {
			case "AWS::Lambda::Function":
				return target
			case "AWS::Lambda::Alias", "AWS::Lambda::Version":
				if fn := target.Target(target.Prop("FunctionName")); fn != nil && fn.Type == "AWS::Lambda::Function" {
					return fn
				}
			}
		}
		for _, e := range t {
			if fn := invokedFunction(r, e); fn != nil {
				return fn
			}
		}
	case []any:
		for _, e := range t {
			if fn := invokedFunction(r, e); fn != nil {
				return fn
			}
		}
	}
	return nil
}

// Function is a Lambda function the local stack runs in-process.
type Function struct {
	Resource *Resource
	// Timeout is the function's Timeout (Lambda's default: 3 s).
	Timeout time.Duration
	// ReservedConcurrency is its ReservedConcurrentExecutions; 0 where it has none.
	ReservedConcurrency int
	// Environment is its Environment.Variables as the template writes them: tokens unresolved
	// (see [Stage.Env]).
	Environment map[string]any
}

func readFunction(r *Resource) (Function, error) {
	rd := &reader{r: r}
	f := Function{
		Resource:            r,
		Timeout:             time.Duration(rd.integer(3, "Timeout")) * time.Second,
		ReservedConcurrency: rd.integer(0, "ReservedConcurrentExecutions"),
	}
	f.Environment, _ = r.Prop("Environment", "Variables").(map[string]any)
	return f, rd.err()
}

// Env is f's environment in the local stack: each variable with its tokens resolved through l
// (see [Assembly.Resolve]). The variables in replaced (those the local stack sets itself, such as
// the database connection) are left out. Its error names every other variable that cannot be
// resolved.
func (s *Stage) Env(f Function, l Locals, replaced ...string) (map[string]string, error) {
	skip := map[string]bool{}
	for _, v := range replaced {
		skip[v] = true
	}
	env := map[string]string{}
	var errs []error
	for name, v := range f.Environment {
		if skip[name] {
			continue
		}
		val, err := s.Assembly.Resolve(f.Resource, v, l)
		if err != nil {
			errs = append(errs, &PropertyError{Resource: f.Resource, Property: "Environment.Variables." + name, Problem: err.Error()})
			continue
		}
		env[name] = val
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the local stack cannot set the environment of %s:\n%w", f.Resource, err)
	}
	return env, nil
}
