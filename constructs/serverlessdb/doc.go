// Package serverlessdb builds an Aurora Serverless v2 PostgreSQL database
// with its network, safe to run in production and cheap in dev.
//
//	db := serverlessdb.New(stack, "Db", &serverlessdb.Props{Proxy: jsii.Bool(true)})
//	api := gofunction.New(stack, "Api", &gofunction.Props{Entry: jsii.String("./lambdas/api"),
//		FunctionOptions: awslambda.FunctionOptions{Vpc: db.Vpc, VpcSubnets: db.FunctionSubnets()}})
//	db.GrantConnect(api, "app") // IAM: rds-db:connect as "app"; any awsiam.IGrantable
//	db.Bind(api, "app")         // network path and DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_AUTH=true
//	migrate := gofunction.New(stack, "Migrate", ...) // in the VPC as well
//	db.AddMigrations(&serverlessdb.MigrationsProps{Function: migrate,
//		Version: jsii.String(serverlessdb.HashDir("./lambdas/internal/app/schema/sql"))})
//
// # What it builds (defaults in brackets)
//
// Network: Props.ExistingVpc, or a VPC over AvailabilityZones (by name) or
// MaxAzs [2] Availability Zones with
// public, private-with-egress and isolated subnets, NatGateways [1] NAT
// gateways, an S3 gateway endpoint and flow logs (all traffic) to an
// encrypted log group. With NatGateways 0, CDK allows no private-with-egress
// subnets: the VPC then has public and isolated subnets only, functions go to
// the isolated ones (FunctionSubnets) and a Secrets Manager interface endpoint
// is added, so rotation and migrations still reach the secret
// (SecretsManagerEndpoint); InterfaceEndpoints adds the others such functions
// need (SNS, SSM, ...). The construct makes no context lookup itself, but
// CDK's VPC asks its stack for the stack's zones (Stack.AvailabilityZones),
// even when AvailabilityZones is given (to check them): an
// environment-agnostic stack answers with Fn::GetAZs selections, an
// environment-specific one with a context lookup, recorded as missing
// context for `cdk synth` to resolve by calling AWS. To keep such a synth
// offline, give AvailabilityZones and override the stack's getter with the
// same list (awscdk.NewStack_Override with a struct whose pointer method
// AvailabilityZones returns them; stacks.zonedStack does), or set the context
// key "availability-zones:account=<account>:region=<region>".
//
// Cluster: Aurora PostgreSQL EngineVersion [16.13] in the isolated subnets, a
// serverless v2 writer and Readers [0] readers pinned to successive AZs (the
// first reader scales with the writer), MinCapacity [0.5] to MaxCapacity [2]
// ACUs, DatabaseName ["app"], AdminUser ["stratus_admin", not the engine's
// "postgres"; create-only], Port [5433, not the engine's 5432], storage,
// secret, Performance Insights and logs encrypted with one customer managed
// KMS key with rotation, IAM database authentication, rds.force_ssl=1, the
// PostgreSQL log exported to a log group with LogRetention [one month],
// automated backups for BackupRetention [7 days], DeletionProtection [true]
// and RemovalPolicy [SNAPSHOT]. The key, secret and log groups are retained
// unless RemovalPolicy is DESTROY: a snapshot is useless without its key.
//
// Enhanced Monitoring [off]: MonitoringInterval (1, 5, 10, 15, 30 or 60
// seconds) turns it on for every instance, with MonitoringRole (the AWS
// managed AmazonRDSEnhancedMonitoringRole policy). RDS writes the OS metrics
// to the account's RDSOSMetrics log group, which it creates itself (not in
// the template, so neither its retention nor its key is this construct's);
// they are billed as CloudWatch Logs ingestion, one record per instance and
// interval.
//
// Admin secret: user AdminUser, JSON with username, password, dbname, host,
// port; rotated every RotationInterval [30 days] by the single-user rotation
// function, placed in FunctionSubnets (it needs both the cluster and the
// Secrets Manager API). Its security group may send only HTTPS (to anywhere
// behind a NAT gateway, whose AWS API addresses are public; to the VPC's
// CIDR, where the Secrets Manager endpoint is, without one) and the
// cluster's port to the cluster's security group.
//
// Proxy [off]: an RDS Proxy requiring TLS, with end-to-end IAM
// authentication (DefaultAuthScheme IAM_AUTH): clients and the proxy both
// authenticate with IAM tokens, so no per-user secrets exist. It listens on
// 5432 (ProxyPort). It is refused with MinCapacity 0, because its pooled
// connections keep an auto-pausing cluster from pausing, and on Aurora
// Limitless Database versions, which RDS Proxy does not support.
//
// Access is two calls, because a role has no network and no environment:
//
//   - GrantConnect(grantee, user) takes any awsiam.IGrantable (a function, a
//     role people assume, a user) and returns the awsiam.Grant: rds-db:connect
//     for exactly that user, on the proxy when there is one (and to the
//     proxy's role on the cluster), on the cluster otherwise. The proxy is
//     named by ProxyResourceId ("prx-…"), which the construct cuts from the
//     proxy's ARN in its own stack and publishes as an SSM parameter's
//     value, so a grantee in another stack references it whole: CDK's own
//     proxy grant splits the ARN where it is used, which in another stack
//     splits a Fn::GetStackOutput, a use CloudFormation does not document.
//   - Bind(fn, user) gives a Lambda function in the VPC the rest: a
//     security-group rule from fn to the proxy (5432) or the cluster (Port),
//     ingress on the database's side and egress on fn's (which a function
//     with restricted egress, gofunction's Egress, needs), and the
//     environment variables DB_HOST, DB_PORT, DB_NAME, DB_USER,
//     DB_IAM_AUTH=true (and DB_PROXY=true behind a proxy). It grants nothing.
//
// The user is created by the migrations (CREATE ROLE app LOGIN; GRANT
// rds_iam TO app); the admin user may not be granted or bound.
//
// Migrations: a function run through the CDK Provider framework as a custom
// resource, after the writer instance, the rotation schedule and its ingress
// rule exist; on create and whenever Version changes. It gets DB_SECRET_ARN,
// read access to the admin secret and direct access to the cluster (not the
// proxy: the admin logs in with its password). An error it returns fails the
// deployment. It also receives Delete events, which should succeed without
// doing anything. Because the first rotation runs as the stack is created,
// a migration should re-read the secret and retry once when its password is
// refused.
//
// Monitoring: MetricACU, MetricACUUtilization, MetricCPU and
// MetricConnections (each takes *awscloudwatch.MetricOptions, whose
// statistic and period override the defaults), and three alarms without actions in Alarms (CPU > 80%, ACU > 90% of
// MaxCapacity, connections > 80% of max_connections, each for 15 minutes).
//
// Props are validated together: New panics with one message naming every
// bad prop and value (capacity out of range or min > max, readers < 0, fewer
// than two or repeated AvailabilityZones, a port
// outside 1150-65535, a proxy on a configuration that does not support one,
// and more); unresolved tokens are not checked.
//
// cdk-nag: a stack holding only this construct and its migrations function
// has no unsuppressed AwsSolutions or Serverless finding. The suppressions,
// each next to its resource: the Provider framework's function (no DLQ,
// tracing or memory options; invokes the migrations function by ARN:*), the
// migrations function's DLQ (invoked synchronously), the Secrets Manager
// endpoint's EC23 validation failure (its ingress is the VPC CIDR token),
// IAM4 on MonitoringRole (the AWS managed Enhanced Monitoring policy), and
// RDS10 only when DeletionProtection is turned off explicitly.
package serverlessdb
