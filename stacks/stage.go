package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Stage is one environment: its stacks, in deployment order.
type Stage struct {
	awscdk.Stage
	Config Config
	// Edge holds the site's CloudFront web ACL in us-east-1; nil when the
	// environment has none.
	Edge *EdgeStack
	Data *DataStack
	App  *AppStack
	Web  *WebStack
}

// NewStage builds the stacks of cfg in env. Cross-stack references are the
// typed values each constructor returns; CDK turns them into exports.
func NewStage(scope constructs.Construct, cfg Config, env *awscdk.Environment) *Stage {
	s := &Stage{
		Stage:  awscdk.NewStage(scope, jsii.String(cfg.Name), &awscdk.StageProps{Env: env}),
		Config: cfg,
	}
	if cfg.Site.WebAcl {
		s.Edge = NewEdgeStack(s.Stage, cfg, env.Account)
	}
	s.Data = NewDataStack(s.Stage, cfg)
	s.App = NewAppStack(s.Stage, cfg, s.Data)
	s.Web = NewWebStack(s.Stage, cfg, s.App, s.Edge)
	return s
}

// Stacks lists the stage's stacks.
func (s *Stage) Stacks() []awscdk.Stack {
	out := []awscdk.Stack{}
	if s.Edge != nil {
		out = append(out, s.Edge.Stack)
	}
	return append(out, s.Data.Stack, s.App.Stack, s.Web.Stack)
}
