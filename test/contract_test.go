package test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/stacks"
)

// deployed maps each function of the contract to where a stage builds it;
// nil where the stage has none (the origin secret's rotation, in stages
// without web ACLs).
func deployed(s *stacks.Stage) map[string]awslambda.Function {
	return map[string]awslambda.Function{
		contract.API().Name:     s.App.ApiFn,
		contract.Worker().Name:  s.App.Worker,
		contract.Outbox().Name:  s.App.Outbox,
		contract.Migrate().Name: s.Data.Migrate,
		contract.Rotate().Name:  s.Web.OriginRotation,
	}
}

// Every stage gives each function exactly the variables its handler reads
// (contract/env.go): all of Set, perhaps some of SetSometimes, nothing else.
// The handler side is checked against the same declaration by each
// lambdas/<fn> package's TestReadsWhatTheContractDeclares.
func TestFunctionsGetTheEnvironmentTheirHandlersRead(t *testing.T) {
	sometimes := map[string]bool{}
	somewhere := map[string]bool{}
	for _, stage := range []*stacks.Stage{built.Dev, built.Staging, built.Prod} {
		fns := deployed(stage)
		for _, c := range contract.Functions() {
			fn, ok := fns[c.Name]
			if !ok {
				t.Errorf("contract function %q is not deployed by the stages (add it to deployed())", c.Name)
				continue
			}
			if fn == nil {
				continue
			}
			somewhere[c.Name] = true
			where := *stage.StageName() + "/" + c.Name
			got := environment(t, fn)
			for _, name := range c.Set {
				if _, ok := got[name]; !ok {
					t.Errorf("%s: the stack does not set %s, which the handler reads", where, name)
				}
			}
			for name := range got {
				switch {
				case slices.Contains(c.SetSometimes, name):
					sometimes[c.Name+" "+name] = true
				case !slices.Contains(c.Set, name):
					t.Errorf("%s: the stack sets %s, which the handler does not read (contract.%s)", where, name, c.Name)
				}
			}
		}
	}
	for _, c := range contract.Functions() {
		if !somewhere[c.Name] {
			t.Errorf("no stage deploys contract function %q", c.Name)
		}
		for _, name := range c.SetSometimes {
			if !sometimes[c.Name+" "+name] {
				t.Errorf("%s: no stage sets %s; move it to Unset or drop it", c.Name, name)
			}
		}
	}
}

// environment is the synthesized Environment.Variables of fn.
func environment(t *testing.T, fn awslambda.Function) map[string]any {
	t.Helper()
	stack := awscdk.Stack_Of(fn)
	id := *stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement))
	res, ok := load(t, stack).Resources[id]
	if !ok {
		t.Fatalf("%s: no resource %s", *stack.StackName(), id)
	}
	env, _ := res.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	return vars
}
