package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/propcheck"
)

var (
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	repoName       = regexp.MustCompile(`^[\w.-]{1,100}$`)
	connectionArn  = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[\w-]+$`)
	fullRepoID     = regexp.MustCompile(`^[^/\s]+(/[^/\s]+)+$`)
	toolchainValue = regexp.MustCompile(`^(go1\.\d+(\.\d+)?((rc|beta)\d+)?|local)(\+(auto|path))?$`)
)

// checkProps panics, before anything is created, with every problem of the
// props and of the stack the pipeline goes in.
func checkProps(scope constructs.Construct, id string, props *Props) {
	c := propcheck.For("pipeline.New", scope, id)
	validateProps(c, props)
	if stack := awscdk.Stack_Of(scope); propcheck.Unresolved(stack.Account()) || propcheck.Unresolved(stack.Region()) {
		c.Add("scope", *stack.Node().Path(), "a CDK pipeline's stack needs an explicit Env (account and region)")
	}
	c.Panic()
}

// validateProps records every problem of props.
func validateProps(c *propcheck.Problems, props *Props) {
	cc, conn := props.CodeCommit, props.Connection
	switch {
	case cc == nil && conn == nil:
		c.Add("CodeCommit", nil, "no source: set CodeCommit or Connection")
	case cc != nil && conn != nil:
		c.Add("Connection", propcheck.Shown("(set)"), "two sources: set only one of CodeCommit and Connection")
	}
	if cc != nil {
		switch {
		case cc.ExistingRepository != nil && cc.RepositoryName != nil:
			c.Add("CodeCommit.RepositoryName", cc.RepositoryName, "set ExistingRepository or RepositoryName, not both")
		case cc.ExistingRepository == nil && cc.RepositoryName == nil:
			c.Add("CodeCommit.RepositoryName", nil, "required without ExistingRepository: the name of the repository to create")
		case propcheck.Known(cc.RepositoryName) && (!repoName.MatchString(*cc.RepositoryName) || strings.HasSuffix(*cc.RepositoryName, ".git")):
			c.Add("CodeCommit.RepositoryName", cc.RepositoryName, "use 1-100 letters, digits, '.', '_' or '-', not ending in .git")
		}
	}
	if conn != nil {
		if c.Require("Connection.ConnectionArn", conn.ConnectionArn, "the ARN of an authorized CodeStar connection") &&
			!propcheck.Unresolved(conn.ConnectionArn) && !connectionArn.MatchString(*conn.ConnectionArn) {
			c.Add("Connection.ConnectionArn", conn.ConnectionArn, "not a CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<id>)")
		}
		if c.Require("Connection.Repo", conn.Repo, `"owner/repo"`) &&
			!propcheck.Unresolved(conn.Repo) && !fullRepoID.MatchString(*conn.Repo) {
			c.Add("Connection.Repo", conn.Repo, `not "owner/repo"`)
		}
	}
	if s := props.Synth; s != nil {
		if s.Commands != nil && len(*s.Commands) == 0 {
			c.Add("Synth.Commands", s.Commands, "empty: nothing would produce cdk.out")
		}
		if propcheck.Known(s.GoToolchain) && !toolchainValue.MatchString(*s.GoToolchain) {
			c.Add("Synth.GoToolchain", s.GoToolchain, "not a GOTOOLCHAIN value like %q", DefaultGoToolchain)
		}
	}
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
