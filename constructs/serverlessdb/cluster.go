package serverlessdb

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
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
	db.parameters = params
	// The admin secret is made here, not by the cluster, to carry dbname and
	// to outlive a snapshot (it holds the password the snapshot restores with).
	db.adminSecret = awsrds.NewDatabaseSecret(db.Construct, jsii.String("AdminSecret"), &awsrds.DatabaseSecretProps{
		Username:                         jsii.String(r.adminUser),
		Dbname:                           jsii.String(r.databaseName),
		EncryptionKey:                    db.EncryptionKey,
		ReplaceOnPasswordCriteriaChanges: jsii.Bool(true),
	})
	db.adminSecret.ApplyRemovalPolicy(retainUnlessDestroy(r.removalPolicy))
	if p.MonitoringInterval != nil {
		db.MonitoringRole = db.newMonitoringRole()
	}
	db.Cluster = awsrds.NewDatabaseCluster(db.Construct, jsii.String("Cluster"), &awsrds.DatabaseClusterProps{
		Engine:                          awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{Version: r.engineVersion}),
		Credentials:                     awsrds.Credentials_FromSecret(db.adminSecret, jsii.String(r.adminUser)),
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
		// Per instance (CDK's default): each instance's OS metrics.
		MonitoringInterval: p.MonitoringInterval,
		MonitoringRole:     db.MonitoringRole,
	})
	db.Secret = db.Cluster.Secret() // attached: host, port, engine, dbClusterIdentifier added
	db.createClusterLogGroup()

	if !r.deletionProtection {
		nag.Suppress(db.Cluster, nag.Rule("AwsSolutions-RDS10",
			"DeletionProtection was turned off explicitly (Props.DeletionProtection=false), for a disposable environment."))
	}
}

// newMonitoringRole is the role RDS assumes to publish Enhanced Monitoring
// metrics, with the AWS managed policy made for it: it may write only to
// the RDS* log groups (RDSOSMetrics), and AWS keeps it current.
func (db *ServerlessDb) newMonitoringRole() awsiam.Role {
	role := awsiam.NewRole(db.Construct, jsii.String("MonitoringRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("monitoring.rds.amazonaws.com"), nil),
		Description: jsii.String("Enhanced Monitoring of " + *db.Node().Path() + ": RDS publishes OS metrics to CloudWatch Logs"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonRDSEnhancedMonitoringRole")),
		},
	})
	nag.Suppress(role, nag.Rule("AwsSolutions-IAM4",
		"RDS Enhanced Monitoring's own AWS managed policy, which AWS keeps current: it lets RDS write only to the RDS* log groups (RDSOSMetrics).",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"))
	return role
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
	db.restrictRotationEgress()
}

// restrictRotationEgress limits the rotation function's security group to
// what rotating needs: HTTPS to the Secrets Manager API and the cluster's
// port on the cluster's security group. CDK's SecretRotation makes the
// group with all outbound traffic allowed, and a group of our own passed
// in instead would get a new logical id: CloudFormation would replace the
// group under the running function, whose network interfaces can hold the
// old one for a long while. So the rules are set on the group CDK made,
// which keeps its id and is updated in place. The API is reached through a
// NAT gateway (public addresses: anywhere on 443) or, in a VPC without
// egress subnets, through the Secrets Manager endpoint (the VPC's CIDR).
func (db *ServerlessDb) restrictRotationEgress() {
	sg, ok := db.rotation.Node().TryFindChild(jsii.String("SecurityGroup")).(awsec2.SecurityGroup)
	if !ok {
		panic("serverlessdb: aws-cdk-lib's SecretRotation no longer creates its SecurityGroup child; restrictRotationEgress needs updating")
	}
	https := &awsec2.CfnSecurityGroup_EgressProperty{
		IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(443), ToPort: jsii.Number(443),
		CidrIp:      jsii.String("0.0.0.0/0"),
		Description: jsii.String("HTTPS to the Secrets Manager API (through the NAT gateway)"),
	}
	if db.smEndpoint != nil && len(*db.Vpc.PrivateSubnets()) == 0 {
		https.CidrIp = db.Vpc.VpcCidrBlock()
		https.Description = jsii.String("HTTPS to the Secrets Manager endpoint in the VPC")
	}
	sg.Node().DefaultChild().(awsec2.CfnSecurityGroup).SetSecurityGroupEgress(&[]any{
		https,
		&awsec2.CfnSecurityGroup_EgressProperty{
			IpProtocol: jsii.String("tcp"), FromPort: db.ClusterPort(), ToPort: db.ClusterPort(),
			DestinationSecurityGroupId: db.SecurityGroup.SecurityGroupId(),
			Description:                jsii.String("The cluster, to rotate the admin password"),
		},
	})
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
	db.proxyID = awsssm.NewStringParameter(db.Construct, jsii.String("ProxyResourceId"), &awsssm.StringParameterProps{
		Description: jsii.String("Resource id (prx-…) of the RDS Proxy of " + *db.Node().Path() + ", which rds-db:connect policies name"),
		// The last field of arn:<partition>:rds:<region>:<account>:db-proxy:<id>.
		StringValue: awscdk.Stack_Of(db.Construct).SplitArn(db.Proxy.DbProxyArn(), awscdk.ArnFormat_COLON_RESOURCE_NAME).ResourceName,
	})
}
