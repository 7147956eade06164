package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// Backups is a stage's AWS Backup plan (Config.Backup): its vault and plan
// in the Data stack, the role AWS Backup works as, and where copies go.
type Backups struct {
	Vault awsbackup.BackupVault
	Plan  awsbackup.BackupPlan
	// Role is the role AWS Backup assumes to back up and restore the
	// cluster and the bucket.
	Role awsiam.Role
}

// BackupCopyStack holds, in the stage's copy region (Config.Backup.CopyRegions),
// the vault that gets a copy of each recovery point: a loss of the stage's
// region loses no backup.
type BackupCopyStack struct {
	awscdk.Stack
	Vault awsbackup.BackupVault
}

// NewBackupCopyStack creates the copy vault of cfg in region.
// Its name is fixed by the stack's (copyVaultName), so the Data stack can
// name it in its copy actions without a cross-region reference.
func NewBackupCopyStack(scope constructs.Construct, cfg Config, account *string, region string) *BackupCopyStack {
	stack := awscdk.NewStack(scope, jsii.String("BackupCopy"), &awscdk.StackProps{
		Description:           jsii.String("Stratus " + cfg.Name + ": the backup vault that gets a copy of every recovery point (" + region + ")"),
		Env:                   &awscdk.Environment{Account: account, Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(cfg.Production),
	})
	return &BackupCopyStack{Stack: stack, Vault: newVault(stack, "CopyVault", copyVaultName(stack), cfg)}
}

// copyVaultName is the copy vault's name: unique per account and region as
// its stack's name is.
func copyVaultName(copyStack awscdk.Stack) string {
	return *copyStack.StackName() + "-vault"
}

// newVault is a backup vault with its own key and cfg's Vault Lock. Both are
// kept past a stack deletion in Prod: a locked vault cannot be deleted while
// it holds recovery points anyway, and a key deleted under them would make
// them unreadable.
func newVault(stack awscdk.Stack, id, name string, cfg Config) awsbackup.BackupVault {
	key := secure.Key(stack, id+"Key", "Stratus "+cfg.Name+": encrypts the recovery points of "+name, cfg.RemovalPolicy)
	props := &awsbackup.BackupVaultProps{
		BackupVaultName: jsii.String(name),
		EncryptionKey:   key,
		RemovalPolicy:   cfg.RemovalPolicy,
	}
	if l := cfg.Backup.Lock; l.Mode != "" {
		props.LockConfiguration = &awsbackup.LockConfiguration{
			MinRetention: awscdk.Duration_Days(jsii.Number(float64(l.MinRetentionDays))),
			MaxRetention: awscdk.Duration_Days(jsii.Number(float64(l.MaxRetentionDays))),
		}
		if l.Mode == "compliance" {
			// After this many days the lock cannot be changed or removed.
			props.LockConfiguration.ChangeableFor = awscdk.Duration_Days(jsii.Number(float64(l.ChangeableForDays)))
		}
	}
	return awsbackup.NewBackupVault(stack, jsii.String(id), props)
}

// newBackups creates the Data stack's vault and plan (daily with continuous
// backup where configured, monthly; each copied to copy's vault when there
// is one), backs up the cluster, and sends every failed, aborted or expired
// backup, copy or restore job to the alarm topic.
func (s *DataStack) newBackups(cfg Config, copy *BackupCopyStack) *Backups {
	b := &Backups{Vault: newVault(s.Stack, "BackupVault", *s.Stack.StackName()+"-vault", cfg)}
	var copyTo awsbackup.IBackupVault
	if copy != nil {
		s.Stack.AddStackDependency(copy.Stack, jsii.String("the backup plan copies into its vault"))
		arn := awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), s.Stack.Partition(), jsii.String(":backup:" + *copy.Stack.Region() + ":"), s.Stack.Account(),
			jsii.String(":backup-vault:" + copyVaultName(copy.Stack)),
		})
		copyTo = awsbackup.BackupVault_FromBackupVaultArn(s.Stack, jsii.String("CopyVault"), arn)
	}
	rule := func(name string, days int, schedule awsevents.Schedule, continuous bool) awsbackup.BackupPlanRule {
		keep := awscdk.Duration_Days(jsii.Number(float64(days)))
		props := &awsbackup.BackupPlanRuleProps{
			RuleName:               jsii.String(name),
			ScheduleExpression:     schedule,
			DeleteAfter:            keep,
			EnableContinuousBackup: jsii.Bool(continuous),
		}
		if copyTo != nil {
			props.CopyActions = &[]*awsbackup.BackupPlanCopyActionProps{{DestinationBackupVault: copyTo, DeleteAfter: keep}}
		}
		return awsbackup.NewBackupPlanRule(props)
	}
	b.Plan = awsbackup.NewBackupPlan(s.Stack, jsii.String("BackupPlan"), &awsbackup.BackupPlanProps{
		BackupPlanName: jsii.String(*s.Stack.StackName() + "-plan"),
		BackupVault:    b.Vault,
		BackupPlanRules: &[]awsbackup.BackupPlanRule{
			rule("Daily", cfg.Backup.DailyRetentionDays, awsevents.Schedule_Cron(&awsevents.CronOptions{Hour: jsii.String("3"), Minute: jsii.String("0")}), cfg.Backup.Continuous),
			rule("Monthly", cfg.Backup.MonthlyRetentionDays, awsevents.Schedule_Cron(&awsevents.CronOptions{Day: jsii.String("1"), Hour: jsii.String("4"), Minute: jsii.String("0")}), false),
		},
	})
	b.Role = backupRole(s.Stack)
	awsbackup.NewBackupSelection(s.Stack, jsii.String("DatabaseBackup"), &awsbackup.BackupSelectionProps{
		BackupPlan: b.Plan,
		Resources:  &[]awsbackup.BackupResource{awsbackup.BackupResource_FromRdsDatabaseCluster(s.DB.Cluster)},
		Role:       b.Role,
	})
	s.alarmOnBackupJobs(cfg)
	return b
}

// backupRole is the role AWS Backup works as: AWS's managed policies for
// backing up and restoring RDS and S3, which AWS keeps in step with what
// each service's backup needs.
func backupRole(stack awscdk.Stack) awsiam.Role {
	policies := []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores",
		"AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore"}
	managed := make([]awsiam.IManagedPolicy, len(policies))
	applies := make([]string, len(policies))
	for i, p := range policies {
		prefix := "service-role/"
		if strings.Contains(p, "S3") {
			prefix = ""
		}
		managed[i] = awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(prefix + p))
		applies[i] = "Policy::arn:<AWS::Partition>:iam::aws:policy/" + prefix + p
	}
	role := awsiam.NewRole(stack, jsii.String("BackupRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("backup.amazonaws.com"), nil),
		Description:     jsii.String("AWS Backup backs up and restores the stage's cluster and uploads bucket as this role"),
		ManagedPolicies: &managed,
	})
	nag.Suppress(role, nag.Rule("AwsSolutions-IAM4",
		"AWS Backup's own service-role policies, which AWS updates as the services' backup APIs change; they act only on "+
			"what the plan's selections name.", applies...))
	return role
}

// alarmOnBackupJobs sends every backup, copy or restore job of this account
// that fails, is aborted or expires to the alarm topic.
func (s *DataStack) alarmOnBackupJobs(cfg Config) {
	rule := awsevents.NewRule(s.Stack, jsii.String("BackupJobFailed"), &awsevents.RuleProps{
		Description: jsii.String("Stratus " + cfg.Name + ": an AWS Backup job failed, was aborted or expired"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.backup"),
			DetailType: jsii.Strings("Backup Job State Change", "Copy Job State Change", "Restore Job State Change"),
			Detail:     &map[string]any{"state": []string{"FAILED", "ABORTED", "EXPIRED"}},
		},
	})
	rule.AddTarget(awseventstargets.NewSnsTopic(s.Alarms, &awseventstargets.SnsTopicProps{
		DeadLetterQueue: newRuleDLQ(s.Stack, "BackupJobFailedDLQ", cfg, "the backup alerts' target: "+
			"the end of the line, kept 14 days; an alert that SNS refused waits there to be read."),
	}))
	// The topic is encrypted: EventBridge needs its key, for rules of this
	// account only.
	s.alarmsKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EventBridgeRulesOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": s.Stack.Account()}},
	}), nil)
}

// backUpUploads adds the uploads bucket to the stage's plan, from the App
// stack (the bucket's), with the plan's role.
func backUpUploads(stack awscdk.Stack, b *Backups, bucket awss3.Bucket) {
	awsbackup.NewBackupSelection(stack, jsii.String("UploadsBackup"), &awsbackup.BackupSelectionProps{
		BackupPlan: b.Plan,
		Resources:  &[]awsbackup.BackupResource{awsbackup.BackupResource_FromArn(bucket.BucketArn())},
		Role:       b.Role,
	})
}
