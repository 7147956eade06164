package pipeline

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func TestValidatePropsNamesEveryProblem(t *testing.T) {
	problems := validateProps(&Props{
		CodeCommit: &CodeCommitSource{RepositoryName: jsii.String("my repo.git")},
		Connection: &ConnectionSource{ConnectionArn: jsii.String("arn:aws:s3:::bucket"), Repo: jsii.String("stratus")},
		Synth:      &SynthOptions{Commands: &[]*string{}, GoToolchain: jsii.String("1.26")},
	})
	msg := strings.Join(problems, "\n")
	for _, want := range []string{
		"two sources",
		`CodeCommit.RepositoryName "my repo.git"`,
		`Connection.ConnectionArn "arn:aws:s3:::bucket"`,
		`Connection.Repo "stratus" is not "owner/repo"`,
		"Synth.Commands is empty",
		`Synth.GoToolchain "1.26"`,
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
	msg := strings.Join(validateProps(&Props{CodeCommit: &CodeCommitSource{}}), "\n")
	if !strings.Contains(msg, "CodeCommit: set ExistingRepository or the RepositoryName") {
		t.Errorf("empty CodeCommit source accepted: %q", msg)
	}
	msg = strings.Join(validateProps(&Props{Connection: &ConnectionSource{}}), "\n")
	if !strings.Contains(msg, "Connection.ConnectionArn is required") || !strings.Contains(msg, "Connection.Repo is required") {
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
		if problems := validateProps(props); len(problems) > 0 {
			t.Errorf("%+v: unexpected problems %q", props, problems)
		}
	}
}
