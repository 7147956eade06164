package pipeline

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// AddStage deploys stage after the stages added before it. The stage must be
// complete (CDK Pipelines synthesizes it here). Its stacks deploy in
// dependency order; opts adds an approval before them and checks after them.
// Problems are reported with the others at synth; a stage with a problem is
// not added.
func (p *Pipeline) AddStage(stage awscdk.Stage, opts *StageOptions) {
	if opts == nil {
		opts = &StageOptions{}
	}
	name := *stage.StageName()
	entry := &stageEntry{name: name, opts: opts}
	for _, s := range stacksOf(stage) {
		if !propcheck.Unresolved(s.Account()) {
			entry.accounts = append(entry.accounts, *s.Account())
		}
	}
	p.stages = append(p.stages, entry)
	problems := stageProblems(stage, name, opts)
	if len(problems) > 0 {
		p.problems = append(p.problems, problems...)
		return
	}
	addOpts := &pipelines.AddStageOpts{}
	var pre []pipelines.Step
	if opts.ManualApproval != nil && *opts.ManualApproval {
		pre = append(pre, pipelines.NewManualApprovalStep(jsii.String("Approve"), &pipelines.ManualApprovalStepProps{
			Comment: jsii.String("Approve the deployment of " + name),
		}))
	}
	if opts.DriftCheck != nil {
		check := p.driftCheckStep(stage, opts.DriftCheck)
		// After the approval: the check sees the stacks as they are when
		// the deploy starts, not when the release was proposed.
		for _, s := range pre {
			check.AddStepDependency(s)
		}
		pre = append(pre, check)
	}
	if len(pre) > 0 {
		addOpts.Pre = &pre
	}
	if checks := propcheck.Elems(opts.PostDeployChecks); len(checks) > 0 {
		outputs := map[string]awscdk.CfnOutput{}
		for k, v := range opts.CheckOutputs {
			outputs[k] = v
		}
		commands := append([]*string(nil), checks...)
		addOpts.Post = &[]pipelines.Step{pipelines.NewShellStep(jsii.String("PostDeployChecks"), &pipelines.ShellStepProps{
			Commands:          &commands,
			EnvFromCfnOutputs: &outputs,
		})}
	}
	p.CdkPipeline.AddStage(stage, addOpts)
}

// stageProblems checks what AddStage can know about one stage.
func stageProblems(stage awscdk.Stage, name string, opts *StageOptions) []string {
	c := stageCheck(name)
	if acct, region := stage.Account(), stage.Region(); acct != nil && region == nil {
		c.Add("stage", *stage.Node().Path(), "has account %s but no region: set Env.Region too (CDK Pipelines deploys to an explicit account and region)", *acct)
	} else {
		for _, s := range stacksOf(stage) {
			if !propcheck.Unresolved(s.Account()) && propcheck.Unresolved(s.Region()) {
				c.Add("stage", *stage.Node().Path(), "stack %s has account %s but no region: set Env.Region too", *s.StackName(), *s.Account())
			}
		}
	}
	if len(opts.CheckOutputs) > 0 && len(propcheck.Elems(opts.PostDeployChecks)) == 0 {
		c.Add("CheckOutputs", slices.Sorted(maps.Keys(opts.CheckOutputs)), "without PostDeployChecks: no command would read them")
	}
	for i, cmd := range propcheck.Elems(opts.PostDeployChecks) {
		if cmd == nil || *cmd == "" {
			c.Add(fmt.Sprintf("PostDeployChecks[%d]", i), cmd, "an empty command")
		}
	}
	if d := opts.DriftCheck; d != nil {
		if len(propcheck.Elems(d.Commands)) == 0 {
			c.Add("DriftCheck.Commands", d.Commands, "required: the commands that check the stage's stacks for drift")
		}
		for i, cmd := range propcheck.Elems(d.Commands) {
			if cmd == nil || *cmd == "" {
				c.Add(fmt.Sprintf("DriftCheck.Commands[%d]", i), cmd, "an empty command")
			}
		}
		if propcheck.Known(d.Account) && !accountID.MatchString(*d.Account) {
			c.Add("DriftCheck.Account", d.Account, "not a 12-digit account id")
		}
		if propcheck.Known(d.Region) && !regionName.MatchString(*d.Region) {
			c.Add("DriftCheck.Region", d.Region, "not a region name like eu-west-1")
		}
		if propcheck.Known(d.BootstrapQualifier) && !qualifier.MatchString(*d.BootstrapQualifier) {
			c.Add("DriftCheck.BootstrapQualifier", d.BootstrapQualifier, "not a bootstrap qualifier (1-10 lowercase letters and digits)")
		}
	}
	stagePath := *stage.Node().Path()
	for _, k := range slices.Sorted(maps.Keys(opts.CheckOutputs)) {
		o := opts.CheckOutputs[k]
		prop := fmt.Sprintf("CheckOutputs[%q]", k)
		switch {
		case !envName.MatchString(k):
			c.Add("CheckOutputs", k, "key is not an environment variable name")
		case o == nil:
			c.Add(prop, nil, "required: a CfnOutput of a stack in this stage")
		case *awscdk.Stage_Of(o).Node().Path() != stagePath:
			c.Add(prop, *o.Node().Path(), "not an output of a stack in this stage")
		}
	}
	return lines(name, c)
}

// stacksOf lists the stacks directly in stage (not in nested stages).
func stacksOf(stage awscdk.Stage) []awscdk.Stack {
	var out []awscdk.Stack
	var walk func(c constructs.IConstruct)
	walk = func(c constructs.IConstruct) {
		for _, child := range *c.Node().Children() {
			if *awscdk.Stage_IsStage(child) {
				continue
			}
			if *awscdk.Stack_IsStack(child) {
				out = append(out, child.(awscdk.Stack))
				continue
			}
			walk(child)
		}
	}
	walk(stage)
	return out
}

// buildProblems are the problems only known once every stage is added.
func (p *Pipeline) buildProblems() []string {
	if len(p.stages) == 1 && p.stages[0].opts.ManualApproval != nil && *p.stages[0].opts.ManualApproval {
		c := stageCheck(p.stages[0].name)
		c.Add("ManualApproval", true, "on the only stage of the pipeline: there is no earlier stage whose deployment it would approve; add a stage before it or drop the approval")
		return lines(p.stages[0].name, c)
	}
	return nil
}

// stageCheck collects the problems of one AddStage call. They are reported
// at synth (see problemValidation), in the format of the other constructs'
// panics, each line prefixed with the stage.
func stageCheck(name string) *propcheck.Problems {
	return propcheck.For(fmt.Sprintf("pipeline.AddStage(%q)", name), nil, name)
}

func lines(stage string, c *propcheck.Problems) []string {
	out := c.Lines()
	for i, l := range out {
		out[i] = fmt.Sprintf("AddStage(%q): %s", stage, l)
	}
	return out
}

// problemValidation reports every problem of the stages when the app
// synthesizes: some are only known after the last AddStage, so CDK runs
// this construct validation after aspects, that is after every AddStage and
// after CDK Pipelines built the pipeline, and then throws one error listing
// all of them (a Go panic from app.Synth). Props were checked in New.
type problemValidation struct{ p *Pipeline }

func (v *problemValidation) Validate() *[]*string {
	return jsii.Strings(append(append([]string(nil), v.p.problems...), v.p.buildProblems()...)...)
}

func (p *Pipeline) registerValidation() {
	p.Node().AddValidation(&problemValidation{p})
}
