package stacks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// The environment variables of the per-stage accounts and regions (see
// Options.PipelineAccount): the pipeline's own synth keeps them, as it keeps
// the other settings (EnvRegion …).
const (
	EnvPipelineAccount = "STRATUS_PIPELINE_ACCOUNT"
	EnvDevAccount      = "STRATUS_DEV_ACCOUNT"
	EnvStagingAccount  = "STRATUS_STAGING_ACCOUNT"
	EnvProdAccount     = "STRATUS_PROD_ACCOUNT"
	EnvDevRegion       = "STRATUS_DEV_REGION"
	EnvStagingRegion   = "STRATUS_STAGING_REGION"
	EnvProdRegion      = "STRATUS_PROD_REGION"
	EnvBackupAccount   = "STRATUS_BACKUP_ACCOUNT"
)

// stageSetting is one stage's own account and region settings, with the
// context keys main.go reads them from.
type stageSetting struct {
	stage                 string
	account, region       string
	accountKey, regionKey string
}

// stageSettings lists the stages' own settings, in StageNames order.
func (o Options) stageSettings() []stageSetting {
	return []stageSetting{
		{Dev().Name, o.DevAccount, o.DevRegion, "devAccount", "devRegion"},
		{Staging().Name, o.StagingAccount, o.StagingRegion, "stagingAccount", "stagingRegion"},
		{Prod().Name, o.ProdAccount, o.ProdRegion, "prodAccount", "prodRegion"},
	}
}

func (o Options) stageSetting(stage string) stageSetting {
	if strings.HasPrefix(stage, PreviewPrefix) {
		stage = "Dev" // a preview is derived from Dev and deploys where Dev does
	}
	for _, s := range o.stageSettings() {
		if s.stage == stage {
			return s
		}
	}
	return stageSetting{stage: stage}
}

// stageAccount is the account stage deploys to: its own, else Account
// ("" keeps it account-agnostic).
func (o Options) stageAccount(stage string) string {
	if a := o.stageSetting(stage).account; a != "" {
		return a
	}
	return o.Account
}

// stageRegion is the region stage deploys to: its own, else Region, else
// DefaultRegion.
func (o Options) stageRegion(stage string) string {
	if r := o.stageSetting(stage).region; r != "" {
		return r
	}
	if o.Region != "" {
		return o.Region
	}
	return DefaultRegion
}

// pipelineAccount is the tools account: PipelineAccount, else Account.
func (o Options) pipelineAccount() string {
	if o.PipelineAccount != "" {
		return o.PipelineAccount
	}
	return o.Account
}

// pipelineEnv is the Pipeline stack's environment: the tools account in
// Region.
func (o Options) pipelineEnv() *awscdk.Environment {
	return &awscdk.Environment{Account: jsii.String(o.pipelineAccount()), Region: jsii.String(o.stageRegion(""))}
}

// forStage is o with Account and Region the stage's own, so that
// everything below NewStage reads the stage's environment from them.
func (o Options) forStage(stage string) Options {
	o.Account, o.Region = o.stageAccount(stage), o.stageRegion(stage)
	return o
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// KnownRegions are the regions the app can deploy a stage to: those that
// Zones lists (a stage's VPC needs its zones there), sorted.
func KnownRegions() []string {
	out := make([]string, 0, len(zones))
	for r := range zones {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// environmentProblems checks the accounts (12 digits) and regions (known:
// KnownRegions) of the settings, naming each by its context key.
func (o Options) environmentProblems() []string {
	var out []string
	account := func(key, v string) {
		if v != "" && !accountID.MatchString(v) {
			out = append(out, fmt.Sprintf("%s %q is not an AWS account id (12 digits)", key, v))
		}
	}
	known := KnownRegions()
	region := func(key, v string) {
		if v != "" && !slices.Contains(known, v) {
			out = append(out, fmt.Sprintf("%s %q is not a region the app knows (%s); to deploy there, "+
				"add it with two zones to stacks.Zones and a copy region to stacks.CopyRegions in stacks/config.go",
				key, v, strings.Join(known, ", ")))
		}
	}
	account("account", o.Account)
	account("pipelineAccount", o.PipelineAccount)
	account("backupAccount", o.BackupAccount)
	region("region", o.Region)
	for _, s := range o.stageSettings() {
		account(s.accountKey, s.account)
		region(s.regionKey, s.region)
	}
	return out
}

// backupAccountProblems checks BackupAccount against the stages of configs
// that back up: each needs an account of its own to share its keys from and
// to let copy into the backup account's vault, and that account must not be
// the backup account itself (a copy there would die with it).
func (o Options) backupAccountProblems(configs ...Config) []string {
	if o.BackupAccount == "" {
		return nil
	}
	var out []string
	for _, cfg := range configs {
		if !cfg.Backup.Enabled {
			continue
		}
		switch a := o.stageAccount(cfg.Name); a {
		case "":
			out = append(out, fmt.Sprintf("backupAccount %s: %s backs up but has no account (set account or %s): "+
				"the backup account's vault admits copies by the account they come from",
				o.BackupAccount, cfg.Name, o.stageSetting(cfg.Name).accountKey))
		case o.BackupAccount:
			out = append(out, fmt.Sprintf("backupAccount %s is %s's own account: its copies would be lost with it; "+
				"give another account of the organization", o.BackupAccount, cfg.Name))
		}
	}
	return out
}
