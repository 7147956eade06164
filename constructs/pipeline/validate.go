package pipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

var (
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	repoName       = regexp.MustCompile(`^[\w.-]{1,100}$`)
	connectionArn  = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[\w-]+$`)
	fullRepoID     = regexp.MustCompile(`^[^/\s]+(/[^/\s]+)+$`)
	toolchainValue = regexp.MustCompile(`^(go1\.\d+(\.\d+)?((rc|beta)\d+)?|local)(\+(auto|path))?$`)
)

func resolved(s *string) bool { return s != nil && !*awscdk.Token_IsUnresolved(s) }

// validateProps returns every problem of props; New records them for the
// build-time check.
func validateProps(props *Props) []string {
	var out []string
	cc, conn := props.CodeCommit, props.Connection
	switch {
	case cc == nil && conn == nil:
		out = append(out, "Props: no source: set CodeCommit or Connection")
	case cc != nil && conn != nil:
		out = append(out, "Props: two sources: set only one of CodeCommit and Connection")
	}
	if cc != nil {
		switch {
		case cc.ExistingRepository != nil && cc.RepositoryName != nil:
			out = append(out, fmt.Sprintf("CodeCommit: set ExistingRepository or RepositoryName (%q), not both", *cc.RepositoryName))
		case cc.ExistingRepository == nil && cc.RepositoryName == nil:
			out = append(out, "CodeCommit: set ExistingRepository or the RepositoryName of the repository to create")
		case resolved(cc.RepositoryName) && (!repoName.MatchString(*cc.RepositoryName) || strings.HasSuffix(*cc.RepositoryName, ".git")):
			out = append(out, fmt.Sprintf("CodeCommit.RepositoryName %q: use 1-100 letters, digits, '.', '_' or '-', not ending in .git", *cc.RepositoryName))
		}
	}
	if conn != nil {
		switch {
		case conn.ConnectionArn == nil:
			out = append(out, "Connection.ConnectionArn is required")
		case resolved(conn.ConnectionArn) && !connectionArn.MatchString(*conn.ConnectionArn):
			out = append(out, fmt.Sprintf("Connection.ConnectionArn %q is not a CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<id>)", *conn.ConnectionArn))
		}
		switch {
		case conn.Repo == nil:
			out = append(out, `Connection.Repo is required ("owner/repo")`)
		case resolved(conn.Repo) && !fullRepoID.MatchString(*conn.Repo):
			out = append(out, fmt.Sprintf(`Connection.Repo %q is not "owner/repo"`, *conn.Repo))
		}
	}
	if s := props.Synth; s != nil {
		if s.Commands != nil && len(*s.Commands) == 0 {
			out = append(out, "Synth.Commands is empty: nothing would produce cdk.out")
		}
		if resolved(s.GoToolchain) && !toolchainValue.MatchString(*s.GoToolchain) {
			out = append(out, fmt.Sprintf("Synth.GoToolchain %q is not a GOTOOLCHAIN value like %q", *s.GoToolchain, DefaultGoToolchain))
		}
	}
	return out
}

// buildProblems are the problems only known once every stage is added.
func (p *Pipeline) buildProblems() []string {
	if len(p.stages) == 1 && p.stages[0].opts.ManualApproval != nil && *p.stages[0].opts.ManualApproval {
		return []string{fmt.Sprintf("AddStage(%q): ManualApproval on the only stage of the pipeline: there is no earlier stage whose deployment it would approve; add a stage before it or drop the approval", p.stages[0].name)}
	}
	return nil
}

// problemValidation reports every problem of the props and the stages when
// the app synthesizes: CDK runs construct validations after aspects, that is
// after every AddStage and after CDK Pipelines built the pipeline, and then
// throws one error listing all of them (a Go panic from app.Synth).
type problemValidation struct{ p *Pipeline }

func (v *problemValidation) Validate() *[]*string {
	return jsii.Strings(append(append([]string(nil), v.p.problems...), v.p.buildProblems()...)...)
}

func (p *Pipeline) registerValidation() {
	p.Node().AddValidation(&problemValidation{p})
}
