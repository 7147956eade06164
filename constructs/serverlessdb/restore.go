package serverlessdb

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// RestoreProps say what Restore restores: a snapshot, or a point in time of
// a cluster. Exactly one of the two.
type RestoreProps struct {
	// SnapshotArn is a cluster snapshot: an AWS Backup recovery point of
	// the cluster (arn:aws:rds:…:cluster-snapshot:awsbackup:job-…) or a
	// manual or automated snapshot.
	// Default: - none; then SourceClusterIdentifier and RestoreTime.
	SnapshotArn *string
	// SourceClusterIdentifier is the cluster whose continuous backup
	// RestoreTime is taken from, within its backup retention.
	// Default: - none.
	SourceClusterIdentifier *string
	// RestoreTime is the point in time to restore, RFC 3339 in UTC
	// ("2026-12-07T09:30:00Z").
	// Default: - none.
	RestoreTime *string
}

// Restore creates cluster id from p beside the construct's own: in its
// isolated subnets, behind its security group (so whatever may reach the
// cluster may reach this one), encrypted with its key, with one Serverless
// v2 writer at its capacity, IAM authentication, its engine version and its
// parameters (TLS required). The snapshot keeps the admin user and password
// it was taken with, the construct's admin secret's at that time: a
// rotation since then means the password of the secret's AWSPREVIOUS or an
// older version (README, Backups and restore).
//
// It serves nothing: the app keeps using the construct's own cluster until
// a reviewed change points it at the restored one (in Stratus, a change of
// stacks.DatabaseConfig that the stateful lock and `make diff` show as the
// replacement it is). It panics, naming every problem of p.
func (db *ServerlessDb) Restore(id string, p *RestoreProps) awsrds.DatabaseClusterFromSnapshot {
	c := propcheck.On("serverlessdb.Restore", db.Construct)
	if p == nil {
		p = &RestoreProps{}
	}
	snapshot, pointInTime := p.SnapshotArn != nil, p.SourceClusterIdentifier != nil || p.RestoreTime != nil
	switch {
	case snapshot == pointInTime:
		c.Add("SnapshotArn", p.SnapshotArn, "give a snapshot, or SourceClusterIdentifier and RestoreTime (one of the two)")
	case pointInTime && (p.SourceClusterIdentifier == nil || p.RestoreTime == nil):
		c.Add("RestoreTime", p.RestoreTime, "a point in time needs both SourceClusterIdentifier and RestoreTime")
	case pointInTime && propcheck.Known(p.RestoreTime):
		if _, err := time.Parse(time.RFC3339, *p.RestoreTime); err != nil || (*p.RestoreTime)[len(*p.RestoreTime)-1] != 'Z' {
			c.Add("RestoreTime", p.RestoreTime, "must be an RFC 3339 time in UTC, e.g. 2026-12-07T09:30:00Z")
		}
	}
	c.Panic()

	r := db.props
	// The snapshot field is required by aws-cdk-lib; a point in time
	// replaces it below with what CloudFormation restores from instead.
	from := p.SnapshotArn
	if pointInTime {
		from = p.SourceClusterIdentifier
	}
	restored := awsrds.NewDatabaseClusterFromSnapshot(db.Construct, jsii.String(id), &awsrds.DatabaseClusterFromSnapshotProps{
		Engine:             awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{Version: r.engineVersion}),
		SnapshotIdentifier: from,
		Writer: awsrds.ClusterInstance_ServerlessV2(jsii.String("Writer"), &awsrds.ServerlessV2ClusterInstanceProps{
			AutoMinorVersionUpgrade: jsii.Bool(true),
			PubliclyAccessible:      jsii.Bool(false),
		}),
		ServerlessV2MinCapacity: jsii.Number(r.minCapacity),
		ServerlessV2MaxCapacity: jsii.Number(r.maxCapacity),
		Vpc:                     db.Vpc,
		VpcSubnets:              db.isolatedSubs,
		SecurityGroups:          &[]awsec2.ISecurityGroup{db.SecurityGroup},
		Port:                    jsii.Number(r.port),
		StorageEncrypted:        jsii.Bool(true),
		StorageEncryptionKey:    db.EncryptionKey,
		IamAuthentication:       jsii.Bool(true),
		CloudwatchLogsExports:   jsii.Strings(logType),
		Backup:                  &awsrds.BackupProps{Retention: r.backupRetention},
		DeletionProtection:      jsii.Bool(r.deletionProtection),
		RemovalPolicy:           r.removalPolicy,
		CopyTagsToSnapshot:      jsii.Bool(true),
		Parameters:              &db.parameters,
	})
	// aws-cdk-lib adds a generated admin secret that nothing sets on the
	// cluster (a snapshot keeps its own credentials): the construct's admin
	// secret is the one that opens the restored cluster, so drop it.
	restored.Node().TryRemoveChild(jsii.String("Secret"))
	awscdk.Annotations_Of(restored).AcknowledgeWarning(jsii.String("@aws-cdk/aws-rds:generatedCredsNotApplied"), jsii.String(
		"The generated secret is removed: the snapshot's credentials are the admin secret's."))
	if pointInTime {
		cfn := restored.Node().DefaultChild().(awscdk.CfnResource)
		cfn.AddPropertyDeletionOverride(jsii.String("SnapshotIdentifier"))
		// A point-in-time copy is encrypted as its source is (KmsKeyId).
		cfn.AddPropertyDeletionOverride(jsii.String("StorageEncrypted"))
		cfn.AddPropertyOverride(jsii.String("SourceDBClusterIdentifier"), p.SourceClusterIdentifier)
		cfn.AddPropertyOverride(jsii.String("RestoreToTime"), p.RestoreTime)
		cfn.AddPropertyOverride(jsii.String("RestoreType"), jsii.String("full-copy"))
	}
	return restored
}
