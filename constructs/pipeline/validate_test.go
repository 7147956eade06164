package pipeline

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// problemsOf are the problems of props in a stack with an explicit Env.
func problemsOf(props *Props) []string {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Delivery"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
	c := propcheck.For("pipeline.New", stack, "Pipeline")
	validate(c, stack, props)
	return c.Lines()
}

func TestValidatePropsNamesEveryProblem(t *testing.T) {
	problems := problemsOf(&Props{
		CodeCommit: &CodeCommitSource{RepositoryName: jsii.String("my repo.git")},
		Connection: &ConnectionSource{ConnectionArn: jsii.String("arn:aws:s3:::bucket"), Repo: jsii.String("stratus")},
		Synth:      &SynthOptions{Commands: &[]*string{}, GoToolchain: jsii.String("1.26")},
	})
	msg := strings.Join(problems, "\n")
	for _, want := range []string{
		"Connection (set): two sources",
		`CodeCommit.RepositoryName "my repo.git": use 1-100 letters`,
		`Connection.ConnectionArn "arn:aws:s3:::bucket": not a CodeStar connection ARN`,
		`Connection.Repo "stratus": not "owner/repo"`,
		"Synth.Commands []: empty",
		`Synth.GoToolchain "1.26": not a GOTOOLCHAIN value`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems do not name %q:\n%s", want, msg)
		}
	}
	if len(problems) != 6 {
		t.Errorf("want 6 problems, got %d:\n%s", len(problems), msg)
	}
}

func TestValidatePropsRequiresSourceFields(t *testing.T) {
	msg := strings.Join(problemsOf(&Props{CodeCommit: &CodeCommitSource{}}), "\n")
	if !strings.Contains(msg, "CodeCommit.RepositoryName (unset): required without ExistingRepository") {
		t.Errorf("empty CodeCommit source accepted: %q", msg)
	}
	msg = strings.Join(problemsOf(&Props{Connection: &ConnectionSource{}}), "\n")
	if !strings.Contains(msg, "Connection.ConnectionArn (unset): required") || !strings.Contains(msg, "Connection.Repo (unset): required") {
		t.Errorf("empty connection accepted: %q", msg)
	}
}

// Tokens are checked by CloudFormation, not here; valid values pass.
func TestValidatePropsAcceptsTokensAndValidValues(t *testing.T) {
	token := awscdk.Fn_ImportValue(jsii.String("ConnectionArn"))
	for _, props := range []*Props{
		{Connection: &ConnectionSource{ConnectionArn: token, Repo: jsii.String("group/sub/repo")}},
		{Connection: &ConnectionSource{
			ConnectionArn: jsii.String("arn:aws:codeconnections:eu-west-1:111111111111:connection/abc-123"),
			Repo:          jsii.String("o/r"),
		}, Synth: &SynthOptions{GoToolchain: jsii.String("go1.26.8+auto")}},
		{CodeCommit: &CodeCommitSource{RepositoryName: jsii.String("stratus.app_1-x")}},
	} {
		if problems := problemsOf(props); len(problems) > 0 {
			t.Errorf("%+v: unexpected problems %q", props, problems)
		}
	}
}
