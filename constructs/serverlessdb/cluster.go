package serverlessdb

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/nag"
)

// logType is the only log Aurora PostgreSQL exports.
const logType = "postgresql"

// createCluster builds the Aurora cluster in the isolated subnets: a
// serverless v2 writer and Props.Readers readers pinned to distinct AZs,
// encrypted with the construct's key, IAM authentication on, TLS forced,
// Performance Insights on, the PostgreSQL log exported to a log group owned
// here (retention, encryption), automated backups, and the admin secret
// encrypted with the same key.
func (db *ServerlessDb) createCluster(p *Props) {
	r := db.props
	db.SecurityGroup = awsec2.NewSecurityGroup(db.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              db.Vpc,
		Description:      jsii.String("Aurora cluster " + *db.Node().Path() + ": no ingress unless granted"),
		AllowAllOutbound: jsii.Bool(false),
	})

	azs := *db.Vpc.SelectSubnets(db.isolatedSubs).AvailabilityZones
	instance := func(id string, i int, scaleWithWriter bool) awsrds.IClusterInstance {
		props := &awsrds.ServerlessV2ClusterInstanceProps{
			AutoMinorVersionUpgrade:         jsii.Bool(true),
			PubliclyAccessible:              jsii.Bool(false),
			EnablePerformanceInsights:       jsii.Bool(true),
			PerformanceInsightEncryptionKey: db.EncryptionKey,
			PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		}
		if len(azs) > 0 {
			props.AvailabilityZone = azs[i%len(azs)]
		}
		if i > 0 {
			props.ScaleWithWriter = jsii.Bool(scaleWithWriter)
		}
		return awsrds.ClusterInstance_ServerlessV2(jsii.String(id), props)
	}
	readers := make([]awsrds.IClusterInstance, r.readers)
	for i := range readers {
		// Reader i goes to the AZ after the writer's; the first scales with the
		// writer (promotion tier 1), so a failover keeps the writer's capacity.
		readers[i] = instance(fmt.Sprintf("Reader%d", i+1), i+1, i == 0)
	}

	params := map[string]*string{"rds.force_ssl": jsii.String("1")}
	if p.Parameters != nil {
		for k, v := range *p.Parameters {
			params[k] = v
		}
	}
	// The admin secret is made here, not by the cluster, to carry dbname and
	// to outlive a snapshot (it holds the password the snapshot restores with).
	db.adminSecret = awsrds.NewDatabaseSecret(db.Construct, jsii.String("AdminSecret"), &awsrds.DatabaseSecretProps{
		Username:                         jsii.String(DefaultAdminUser),
		Dbname:                           jsii.String(r.databaseName),
		EncryptionKey:                    db.EncryptionKey,
		ReplaceOnPasswordCriteriaChanges: jsii.Bool(true),
	})
	db.adminSecret.ApplyRemovalPolicy(retainUnlessDestroy(r.removalPolicy))
	db.Cluster = awsrds.NewDatabaseCluster(db.Construct, jsii.String("Cluster"), &awsrds.DatabaseClusterProps{
		Engine:                          awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{Version: r.engineVersion}),
		Credentials:                     awsrds.Credentials_FromSecret(db.adminSecret, jsii.String(DefaultAdminUser)),
		Writer:                          instance("Writer", 0, false),
		Readers:                         &readers,
		ServerlessV2MinCapacity:         jsii.Number(r.minCapacity),
		ServerlessV2MaxCapacity:         jsii.Number(r.maxCapacity),
		Vpc:                             db.Vpc,
		VpcSubnets:                      db.isolatedSubs,
		SecurityGroups:                  &[]awsec2.ISecurityGroup{db.SecurityGroup},
		Port:                            jsii.Number(r.port),
		DefaultDatabaseName:             jsii.String(r.databaseName),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            db.EncryptionKey,
		IamAuthentication:               jsii.Bool(true),
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: db.EncryptionKey,
		PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		CloudwatchLogsExports:           jsii.Strings(logType),
		Backup:                          &awsrds.BackupProps{Retention: r.backupRetention},
		DeletionProtection:              jsii.Bool(r.deletionProtection),
		RemovalPolicy:                   r.removalPolicy,
		CopyTagsToSnapshot:              jsii.Bool(true),
		Parameters:                      &params,
	})
	db.Secret = db.Cluster.Secret() // attached: host, port, engine, dbClusterIdentifier added
	db.createClusterLogGroup()

	if !r.deletionProtection {
		nag.Suppress(db.Cluster, nag.Rule("AwsSolutions-RDS10",
			"DeletionProtection was turned off explicitly (Props.DeletionProtection=false), for a disposable environment."))
	}
}

// createClusterLogGroup owns the log group RDS exports the PostgreSQL log to
// (/aws/rds/cluster/<cluster id>/postgresql), so it has a retention, the
// construct's key and a removal policy without CDK's log-retention custom
// resource. RDS writes to it once an instance runs, so the instances wait
// for it: RDS would otherwise create it first and the stack would fail.
func (db *ServerlessDb) createClusterLogGroup() {
	r := db.props
	db.clusterLogs = awslogs.NewLogGroup(db.Construct, jsii.String("PostgresqlLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/rds/cluster/" + *db.Cluster.ClusterIdentifier() + "/" + logType),
		Retention:     r.logRetention,
		EncryptionKey: db.EncryptionKey,
		RemovalPolicy: retainUnlessDestroy(r.removalPolicy),
	})
	for _, id := range db.instanceIDs() {
		db.Cluster.Node().FindChild(jsii.String(id)).Node().AddDependency(db.clusterLogs)
	}
}

// instanceIDs are the construct ids createCluster gave the instances.
func (db *ServerlessDb) instanceIDs() []string {
	ids := []string{"Writer"}
	for i := 1; i <= db.props.readers; i++ {
		ids = append(ids, fmt.Sprintf("Reader%d", i))
	}
	return ids
}

// LogGroup is the log group receiving the cluster's PostgreSQL log.
func (db *ServerlessDb) LogGroup() awslogs.ILogGroup { return db.clusterLogs }

// createRotation rotates the admin secret with the single-user rotation
// function from the Serverless Application Repository. The function needs
// both the cluster (it is let in on the cluster's port) and the Secrets
// Manager API: it runs in FunctionSubnets(), reaching the API through a NAT
// gateway, or through the Secrets Manager endpoint when the VPC has no
// egress subnets.
func (db *ServerlessDb) createRotation() {
	db.rotation = db.Cluster.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: db.props.rotationInterval,
		VpcSubnets:         db.functionSubs,
	})
	if db.smEndpoint != nil {
		db.rotation.Node().AddDependency(db.smEndpoint)
	}
}

// createProxy puts an RDS Proxy in the isolated subnets in front of the
// cluster, with end-to-end IAM authentication (clients and the proxy both
// use IAM tokens, so no per-user secrets) and TLS required. Its role gets
// rds-db:connect per user in GrantConnect.
func (db *ServerlessDb) createProxy() {
	db.proxyRole = awsiam.NewRole(db.Construct, jsii.String("ProxyRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("rds.amazonaws.com"), nil),
		Description: jsii.String("RDS Proxy of " + *db.Node().Path() + ": connects to the cluster with IAM authentication"),
	})
	sg := awsec2.NewSecurityGroup(db.Construct, jsii.String("ProxySecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              db.Vpc,
		Description:      jsii.String("RDS Proxy " + *db.Node().Path() + ": no ingress unless granted"),
		AllowAllOutbound: jsii.Bool(false),
	})
	db.Proxy = awsrds.NewDatabaseProxy(db.Construct, jsii.String("Proxy"), &awsrds.DatabaseProxyProps{
		// CloudFormation requires a name; make it unique per construct path, as
		// aws-cdk-lib does under @aws-cdk/aws-rds:databaseProxyUniqueResourceName.
		DbProxyName: jsii.String(*awscdk.Names_UniqueResourceName(db.Construct,
			&awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(55)}) + "Proxy"),
		ProxyTarget:       awsrds.ProxyTarget_FromCluster(db.Cluster),
		Vpc:               db.Vpc,
		VpcSubnets:        db.isolatedSubs,
		SecurityGroups:    &[]awsec2.ISecurityGroup{sg},
		Role:              db.proxyRole,
		DefaultAuthScheme: awsrds.DefaultAuthScheme_IAM_AUTH,
		IamAuth:           jsii.Bool(true),
		RequireTLS:        jsii.Bool(true),
	})
	db.Cluster.Connections().AllowDefaultPortFrom(db.Proxy, jsii.String("RDS Proxy to the cluster"))
}
