package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
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
	// ReplicaRegion is where the uploads bucket replicates to (the copy
	// stack's region); "" without Config.Backup.ReplicateUploads.
	ReplicaRegion string
}

// BackupCopyStack holds, in the stage's copy region (Config.Backup.CopyRegions),
// the vault that gets a copy of each recovery point: a loss of the stage's
// region loses no backup.
type BackupCopyStack struct {
	awscdk.Stack
	Vault awsbackup.BackupVault
	// UploadsReplica receives the uploads bucket's replication; nil
	// without Config.Backup.ReplicateUploads.
	UploadsReplica awss3.Bucket
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
	vault, _ := newVault(stack, "CopyVault", copyVaultName(stack), cfg)
	s := &BackupCopyStack{Stack: stack, Vault: vault}
	if cfg.Backup.ReplicateUploads {
		s.UploadsReplica = newUploadsReplica(stack, cfg)
	}
	return s
}

// BackupCopies are the vaults a stage's backup plan copies every recovery
// point into, each nil when the stage has none.
type BackupCopies struct {
	// Region is the copy region's vault, in the stage's account.
	Region *BackupCopyStack
	// Account is the backup account's vault, in the stage's region.
	Account *BackupAccountStack
}

// BackupAccountStack holds, in the backup account (Options.BackupAccount)
// and the stage's region, the vault that gets a copy of each recovery
// point: a compromised, closed or emptied stage account loses no backup.
// The copy stays in the stage's region because AWS Backup copies Aurora
// across accounts or across regions, not both in one job; the copy region
// already has its own copy.
type BackupAccountStack struct {
	awscdk.Stack
	Vault awsbackup.BackupVault
}

// NewBackupAccountStack creates, in account (the backup account) and
// region, the vault of cfg that only stageAccount may copy into.
func NewBackupAccountStack(scope constructs.Construct, cfg Config, account, stageAccount, region string) *BackupAccountStack {
	stack := awscdk.NewStack(scope, jsii.String("BackupAccount"), &awscdk.StackProps{
		Description: jsii.String("Stratus " + cfg.Name + ": the backup account's vault that gets a copy of every recovery point of " +
			stageAccount + " (" + region + ")"),
		Env:                   &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(cfg.Production),
	})
	vault, _ := newVault(stack, "AccountVault", copyVaultName(stack), cfg)
	// The stage's account may copy in, nothing more: it cannot read,
	// delete or restore what it copied, so whoever holds it holds no way to
	// the copies.
	vault.AddToAccessPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CopiesFromTheStageAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String(stageAccount))},
		Actions:    jsii.Strings("backup:CopyIntoBackupVault"),
		Resources:  jsii.Strings("*"),
	}))
	return &BackupAccountStack{Stack: stack, Vault: vault}
}

// shareWithBackupAccount lets the backup account use key for the copies AWS
// Backup makes there: a recovery point that is not fully managed by AWS
// Backup (Aurora's snapshots) stays encrypted with its source's key, which
// the copy job reads and re-encrypts with the backup vault's key as the
// backup account; grants only for AWS resources.
func shareWithBackupAccount(key awskms.Key, account string) {
	principal := []awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String(account))}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CopiesIntoTheBackupAccount"),
		Principals: &principal,
		Actions:    jsii.Strings("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"),
		Resources:  jsii.Strings("*"),
	}), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GrantsForTheBackupAccountsCopies"),
		Principals: &principal,
		Actions:    jsii.Strings("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
	}), nil)
}

// replicaName is the uploads replica's bucket name in region, for the
// stage's account: fixed, because the App stack in the stage's region names
// it in its replication rule and CloudFormation has no references across
// regions. Bucket names are global, so it carries the account and region.
func replicaName(stack awscdk.Stack, cfg Config, region string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("stratus-" + strings.ToLower(cfg.Name) + "-uploads-replica-"), stack.Account(), jsii.String("-" + region),
	})
}

// replicaKeyAlias names the replica's key, for the same reason: a key's
// ARN holds a random id, an alias's does not.
func replicaKeyAlias(cfg Config) string {
	return "alias/stratus-" + strings.ToLower(cfg.Name) + "-uploads-replica"
}

// newUploadsReplica is the bucket the uploads replicate into: versioned,
// encrypted with a key of its own in this region, with access logs, and
// keeping old versions (the app's deletes arrive as delete markers) as
// long as the source does.
func newUploadsReplica(stack awscdk.Stack, cfg Config) awss3.Bucket {
	key := secure.Key(stack, "UploadsReplicaKey", "Stratus "+cfg.Name+": encrypts the replica of the uploads bucket", cfg.RemovalPolicy)
	key.AddAlias(jsii.String(replicaKeyAlias(cfg)))
	destroy := cfg.RemovalPolicy == awscdk.RemovalPolicy_DESTROY
	logs := secure.AccessLogsBucket(stack, "UploadsReplicaAccessLogs", secure.AccessLogsProps{
		Expiration:        awscdk.Duration_Days(jsii.Number(90)),
		RemovalPolicy:     cfg.RemovalPolicy,
		AutoDeleteObjects: jsii.Bool(destroy),
	})
	return secure.Bucket(stack, "UploadsReplica", awss3.BucketProps{
		BucketName:             replicaName(stack, cfg, *stack.Region()),
		Versioned:              jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		RemovalPolicy:          cfg.RemovalPolicy,
		AutoDeleteObjects:      jsii.Bool(destroy),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(noncurrentVersionDays(cfg)))),
		}},
	})
}

// replicateUploads replicates every new version of bucket, and the app's
// delete markers, to the uploads replica in region, encrypted there with
// the replica's key, as a role that may do only that.
func replicateUploads(stack awscdk.Stack, cfg Config, bucket awss3.Bucket, region string) {
	partition, account := stack.Partition(), stack.Account()
	dest := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), partition, jsii.String(":s3:::"), replicaName(stack, cfg, region)})
	keyArn := func(resource string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), partition, jsii.String(":kms:" + region + ":"), account, jsii.String(":" + resource)})
	}
	role := awsiam.NewRole(stack, jsii.String("UploadsReplicationRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil),
		Description: jsii.String("S3 replicates the uploads bucket to its replica in " + region + " as this role"),
	})
	allow := func(resources []*string, conditions map[string]any, actions ...string) {
		st := &awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			st.Conditions = &conditions
		}
		role.AddToPolicy(awsiam.NewPolicyStatement(st))
	}
	allow([]*string{bucket.BucketArn()}, nil, "s3:GetReplicationConfiguration", "s3:ListBucket")
	allow([]*string{bucket.ArnForObjects(jsii.String("*"))}, nil,
		"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging")
	allow([]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{dest, jsii.String("/*")})}, nil,
		"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags")
	// Only the replica's key (by its alias: its id is not known here),
	// and only through S3 in its region.
	allow([]*string{keyArn("key/*")}, map[string]any{
		"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": replicaKeyAlias(cfg)},
		"StringEquals":             map[string]any{"kms:ViaService": "s3." + region + ".amazonaws.com"},
	}, "kms:Encrypt", "kms:GenerateDataKey")
	cfn := bucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetReplicationConfiguration(&awss3.CfnBucket_ReplicationConfigurationProperty{
		Role: role.RoleArn(),
		Rules: &[]any{&awss3.CfnBucket_ReplicationRuleProperty{
			Id:       jsii.String("UploadsToReplica"),
			Status:   jsii.String("Enabled"),
			Priority: jsii.Number(1),
			Filter:   &awss3.CfnBucket_ReplicationRuleFilterProperty{Prefix: jsii.String("")},
			// The app's deletes become delete markers in the replica too,
			// which a restore removes; S3 never replicates the deletion of
			// a version, so the replica keeps every old version for its
			// own lifecycle.
			DeleteMarkerReplication: &awss3.CfnBucket_DeleteMarkerReplicationProperty{Status: jsii.String("Enabled")},
			Destination: &awss3.CfnBucket_ReplicationDestinationProperty{
				Bucket:                  dest,
				EncryptionConfiguration: &awss3.CfnBucket_EncryptionConfigurationProperty{ReplicaKmsKeyId: keyArn(replicaKeyAlias(cfg))},
			},
		}},
	})
	// The rule names the role by its ARN, which orders the role first; its
	// policy names the bucket, so the bucket cannot wait for the policy (S3
	// uses the role only when it replicates, by then the policy is there).
	bucketID := fmt.Sprint(stack.Resolve(stack.GetLogicalId(cfn)))
	// How cdk-nag spells the partition and account: literal where the
	// stack's environment gives them, the pseudo parameter otherwise.
	spell := func(v *string, pseudo string) string {
		if *awscdk.Token_IsUnresolved(v) {
			return "<" + pseudo + ">"
		}
		return *v
	}
	part, acct := spell(partition, "AWS::Partition"), spell(account, "AWS::AccountId")
	nag.Suppress(role, nag.Rule("AwsSolutions-IAM5",
		"S3 replication reads every version of the uploads bucket and writes each to the replica under its own key; the "+
			"replica's key is named by its alias (kms:ResourceAliases) and used only through S3, as its id is not known across regions.",
		"Resource::<"+bucketID+".Arn>/*",
		"Resource::arn:"+part+":s3:::stratus-"+strings.ToLower(cfg.Name)+"-uploads-replica-"+acct+"-"+region+"/*",
		"Resource::arn:"+part+":kms:"+region+":"+acct+":key/*"))
}

// copyVaultName is a copy vault's name: unique per account and region as
// its stack's name is, and known to the Data stack without a reference
// (CloudFormation has none across regions or accounts).
func copyVaultName(copyStack awscdk.Stack) string {
	return *copyStack.StackName() + "-vault"
}

// newVault is a backup vault with its own key and cfg's Vault Lock. Both are
// kept past a stack deletion in Prod: a locked vault cannot be deleted while
// it holds recovery points anyway, and a key deleted under them would make
// them unreadable.
func newVault(stack awscdk.Stack, id, name string, cfg Config) (awsbackup.BackupVault, awskms.Key) {
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
	return awsbackup.NewBackupVault(stack, jsii.String(id), props), key
}

// newBackups creates the Data stack's vault and plan (daily with continuous
// backup where configured, monthly; each copied to every vault of copies),
// backs up the cluster, and sends every failed, aborted or expired backup,
// copy or restore job to the alarm topic.
func (s *DataStack) newBackups(cfg Config, copies BackupCopies) *Backups {
	vault, vaultKey := newVault(s.Stack, "BackupVault", *s.Stack.StackName()+"-vault", cfg)
	b := &Backups{Vault: vault}
	var copyTo []awsbackup.IBackupVault
	if c := copies.Region; c != nil {
		if c.UploadsReplica != nil {
			b.ReplicaRegion = *c.Stack.Region()
		}
		s.Stack.AddStackDependency(c.Stack, jsii.String("the backup plan copies into its vault"))
		copyTo = append(copyTo, s.copyVault("CopyVault", c.Stack, s.Stack.Account()))
	}
	if c := copies.Account; c != nil {
		s.Stack.AddStackDependency(c.Stack, jsii.String("the backup plan copies into the backup account's vault"))
		copyTo = append(copyTo, s.copyVault("AccountCopyVault", c.Stack, c.Stack.Account()))
		shareWithBackupAccount(vaultKey, *c.Stack.Account())
		shareWithBackupAccount(s.DB.EncryptionKey, *c.Stack.Account())
	}
	rule := func(name string, days int, schedule awsevents.Schedule, continuous bool) awsbackup.BackupPlanRule {
		keep := awscdk.Duration_Days(jsii.Number(float64(days)))
		props := &awsbackup.BackupPlanRuleProps{
			RuleName:               jsii.String(name),
			ScheduleExpression:     schedule,
			DeleteAfter:            keep,
			EnableContinuousBackup: jsii.Bool(continuous),
		}
		if len(copyTo) > 0 {
			actions := make([]*awsbackup.BackupPlanCopyActionProps, len(copyTo))
			for i, v := range copyTo {
				actions[i] = &awsbackup.BackupPlanCopyActionProps{DestinationBackupVault: v, DeleteAfter: keep}
			}
			props.CopyActions = &actions
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

// copyVault names, by an ARN the Data stack spells out (CloudFormation has no
// references across regions or accounts), the copy vault of copyStack in
// account.
func (s *DataStack) copyVault(id string, copyStack awscdk.Stack, account *string) awsbackup.IBackupVault {
	arn := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("arn:"), s.Stack.Partition(), jsii.String(":backup:" + *copyStack.Region() + ":"), account,
		jsii.String(":backup-vault:" + copyVaultName(copyStack)),
	})
	return awsbackup.BackupVault_FromBackupVaultArn(s.Stack, jsii.String(id), arn)
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
