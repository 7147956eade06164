package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Stage is one environment: its stacks, in deployment order.
type Stage struct {
	awscdk.Stage
	// Config is the stage's configuration as built: with the app's domain
	// setting applied (Domain.ForStage) when it had no domain of its own.
	Config Config
	// Edge holds what CloudFront needs in us-east-1 (the site's web ACL,
	// the custom domain's certificate); nil when the stage needs neither.
	Edge *EdgeStack
	// BackupCopy holds the vault backups are copied to, in the region
	// Config.Backup.CopyRegions gives the stage's; nil without one.
	BackupCopy *BackupCopyStack
	// BackupAccount holds the vault of Options.BackupAccount that gets a
	// copy of every recovery point, in the stage's region; nil without
	// that account or without backups.
	BackupAccount *BackupAccountStack
	Data          *DataStack
	App           *AppStack
	Web           *WebStack
}

// NewStage builds the stacks of cfg with the settings in opts: its account
// and region (the stage's own, Options.DevAccount …, else Account and
// Region; Region "" is DefaultRegion), the alarm email, and the app's
// domain, which applies when cfg has no Site.Domain of its own. Every
// stack of the stage is in its account, the Edge stack (us-east-1) and
// the BackupCopy stack (its copy region) too, but for the BackupAccount
// stack (Options.BackupAccount, in the stage's region). It panics
// with a *ConfigError naming every problem of cfg and opts.
//
// NewStage panics where Build returns an error because it is a construct
// constructor in all but name: it adds an awscdk.Stage to scope, as
// awscdk.NewStage does, and its callers are Go code composing an app (a
// test, an example) with a Config they wrote, a programming mistake that
// CDK reports by panicking at synth. Settings that come from a user (CDK
// context, the environment) go through Build, which checks them all first.
//
// Cross-stack references are the typed values each constructor returns;
// CDK turns them into exports.
func NewStage(scope constructs.Construct, cfg Config, opts Options) *Stage {
	opts = opts.withDefaults()
	cfg = opts.apply(cfg)
	p := append(opts.problems(), stageProblemsIn(opts.stageRegion, cfg)...)
	p = append(p, opts.backupAccountProblems(cfg)...)
	if cfg.IsPreview() && opts.Preview == "" {
		p = append(p, previewCreatedProblems(opts.PreviewCreated)...)
	}
	if len(p) > 0 {
		panic(&ConfigError{Problems: p})
	}
	// From here on opts.Account and opts.Region are the stage's own.
	opts = opts.forStage(cfg.Name)
	s := &Stage{
		Stage:  awscdk.NewStage(scope, jsii.String(cfg.Name), &awscdk.StageProps{Env: opts.env()}),
		Config: cfg,
	}
	if cfg.Site.WebAcl || cfg.Site.Domain.IsSet() {
		s.Edge = NewEdgeStack(s.Stage, cfg, opts.env().Account)
	}
	if copyTo := cfg.Backup.CopyRegions[opts.Region]; cfg.Backup.Enabled && copyTo != "" {
		s.BackupCopy = NewBackupCopyStack(s.Stage, cfg, opts.env().Account, copyTo)
	}
	if cfg.Backup.Enabled && opts.BackupAccount != "" {
		s.BackupAccount = NewBackupAccountStack(s.Stage, cfg, opts.BackupAccount, opts.Account, opts.Region)
	}
	s.Data = NewDataStack(s.Stage, cfg, opts, BackupCopies{Region: s.BackupCopy, Account: s.BackupAccount})
	s.App = NewAppStack(s.Stage, cfg, s.Data)
	s.Web = NewWebStack(s.Stage, cfg, s.App, s.Edge)
	if cfg.IsPreview() {
		makeDisposable(s.Stage, cfg, opts.PreviewCreated)
	}
	return s
}

// Stacks lists the stage's stacks.
func (s *Stage) Stacks() []awscdk.Stack {
	out := []awscdk.Stack{}
	if s.Edge != nil {
		out = append(out, s.Edge.Stack)
	}
	if s.BackupCopy != nil {
		out = append(out, s.BackupCopy.Stack)
	}
	if s.BackupAccount != nil {
		out = append(out, s.BackupAccount.Stack)
	}
	return append(out, s.Data.Stack, s.App.Stack, s.Web.Stack)
}
