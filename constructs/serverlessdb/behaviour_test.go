package serverlessdb_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

// Template helpers.

type tmpl struct{ assertions.Template }

func (t tmpl) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range (*t.ToJSON())["Resources"].(map[string]any) {
		out[id] = r.(map[string]any)
	}
	return out
}

// ids lists the logical ids of the resources of type typ, sorted.
func (t tmpl) ids(typ string) []string {
	var ids []string
	for id, r := range t.resources() {
		if r["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// one is the logical id of the only resource of type typ whose id starts with prefix.
func (t tmpl) one(tb testing.TB, typ, prefix string) string {
	tb.Helper()
	var found []string
	for _, id := range t.ids(typ) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("want one %s with id prefix %q, got %v", typ, prefix, found)
	}
	return found[0]
}

func (t tmpl) props(id string) map[string]any {
	p, _ := t.resources()[id]["Properties"].(map[string]any)
	return p
}

func (t tmpl) dependsOn(id string) []string {
	var out []string
	if d, ok := t.resources()[id]["DependsOn"].([]any); ok {
		for _, x := range d {
			out = append(out, x.(string))
		}
	}
	return out
}

func (t tmpl) has(typ string, props map[string]any) {
	t.HasResourceProperties(jsii.String(typ), props)
}

func (t tmpl) count(typ string, n int) {
	t.ResourceCountIs(jsii.String(typ), jsii.Number(n))
}

func ref(id string) map[string]any                   { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any          { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func arrayWith(v ...any) assertions.Matcher          { return assertions.Match_ArrayWith(&v) }
func objectLike(v map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&v) }
func selectAZ(i int) map[string]any {
	return map[string]any{"Fn::Select": []any{i, map[string]any{"Fn::GetAZs": ""}}}
}

func contains(list []string, want string) bool {
	for _, x := range list {
		if x == want {
			return true
		}
	}
	return false
}

var (
	defaults = func() tmpl { return tmpl{defaultsTpl} }
	custom   = func() tmpl { return tmpl{customTpl} }
	existing = func() tmpl { return tmpl{existingTpl} }
	regional = func() tmpl { return tmpl{regionalTpl} }
	zoned    = func() tmpl { return tmpl{zonedTpl} }
)

// Defaults: network.

func TestDefaultVpcHasTwoAzsOfThreeTiersWithoutLookups(t *testing.T) {
	tpl := defaults()
	tpl.count("AWS::EC2::VPC", 1)
	tpl.count("AWS::EC2::Subnet", 6)
	tpl.count("AWS::EC2::NatGateway", serverlessdb.DefaultNatGateways)
	for _, tier := range []string{"Public", "Private", "Isolated"} {
		for az := 0; az < 2; az++ {
			tpl.has("AWS::EC2::Subnet", map[string]any{
				"AvailabilityZone": selectAZ(az),
				"Tags":             arrayWith(map[string]any{"Key": "aws-cdk:subnet-name", "Value": tier}),
			})
		}
	}
	if got := defaultsDb.FunctionSubnets().SubnetType; got != awsec2.SubnetType_PRIVATE_WITH_EGRESS {
		t.Errorf("FunctionSubnets = %v, want PRIVATE_WITH_EGRESS behind a NAT", got)
	}
	if len(missingContext) > 0 {
		t.Errorf("synth asked for context lookups: %v", missingContext)
	}
}

func TestDefaultVpcHasS3EndpointAndEncryptedFlowLogs(t *testing.T) {
	tpl := defaults()
	tpl.has("AWS::EC2::VPCEndpoint", map[string]any{
		"VpcEndpointType": "Gateway",
		"ServiceName":     map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".s3"}}},
	})
	tpl.count("AWS::EC2::VPCEndpoint", 1) // no Secrets Manager endpoint: a NAT reaches the API
	flowLog := tpl.props(tpl.one(t, "AWS::EC2::FlowLog", "Db"))
	if flowLog["LogDestinationType"] != "cloud-watch-logs" || flowLog["TrafficType"] != "ALL" {
		t.Errorf("flow log = %v", flowLog)
	}
	group := flowLog["LogGroupName"].(map[string]any)["Ref"].(string)
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties": map[string]any{
			"RetentionInDays": 30,
			"KmsKeyId":        getAtt(tpl.one(t, "AWS::KMS::Key", "Db"), "Arn"),
		},
		"DeletionPolicy": "Retain",
	})
	if tpl.props(group)["RetentionInDays"] != float64(30) {
		t.Errorf("flow log group %s = %v, want 30 days", group, tpl.props(group))
	}
}

// Defaults: cluster.

func TestDefaultCluster(t *testing.T) {
	tpl := defaults()
	key := tpl.one(t, "AWS::KMS::Key", "Db")
	tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), map[string]any{
		"Properties": map[string]any{
			"Engine":                           "aurora-postgresql",
			"EngineVersion":                    "16.13",
			"Port":                             serverlessdb.DefaultPort,
			"DatabaseName":                     "app",
			"MasterUsername":                   serverlessdb.DefaultAdminUser,
			"StorageEncrypted":                 true,
			"KmsKeyId":                         getAtt(key, "Arn"),
			"EnableIAMDatabaseAuthentication":  true,
			"PerformanceInsightsEnabled":       true,
			"PerformanceInsightsKmsKeyId":      getAtt(key, "Arn"),
			"EnableCloudwatchLogsExports":      []any{"postgresql"},
			"BackupRetentionPeriod":            7,
			"DeletionProtection":               true,
			"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 0.5, "MaxCapacity": 2},
		},
		"DeletionPolicy":      "Snapshot",
		"UpdateReplacePolicy": "Snapshot",
	})
	tpl.has("AWS::RDS::DBClusterParameterGroup", map[string]any{
		"Family": "aurora-postgresql16", "Parameters": map[string]any{"rds.force_ssl": "1"},
	})
	tpl.count("AWS::RDS::DBInstance", 1)
	tpl.has("AWS::RDS::DBInstance", map[string]any{
		"DBInstanceClass": "db.serverless", "PromotionTier": 0, "PubliclyAccessible": false,
		"AvailabilityZone": selectAZ(0),
	})
	// The cluster lives in the isolated subnets.
	subnetGroup := tpl.props(tpl.one(t, "AWS::RDS::DBSubnetGroup", "Db"))
	for _, s := range subnetGroup["SubnetIds"].([]any) {
		if id := s.(map[string]any)["Ref"].(string); !strings.Contains(id, "Isolated") {
			t.Errorf("cluster subnet %s is not isolated", id)
		}
	}
}

func TestDefaultKeyRotatesAndOutlivesSnapshots(t *testing.T) {
	tpl := defaults()
	tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
		"Properties": map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": objectLike(map[string]any{"Statement": arrayWith(objectLike(map[string]any{
				"Sid":       "CloudWatchLogsOfThisAccount",
				"Principal": map[string]any{"Service": map[string]any{"Fn::Join": []any{"", []any{"logs.", ref("AWS::Region"), ".amazonaws.com"}}}},
			}))}),
		},
		"DeletionPolicy": "Retain",
	})
}

func TestDefaultSecurityGroupAdmitsOnlyGrantees(t *testing.T) {
	tpl := defaults()
	sg := tpl.props(tpl.one(t, "AWS::EC2::SecurityGroup", "DbSecurityGroup"))
	if _, ok := sg["SecurityGroupIngress"]; ok {
		t.Errorf("cluster security group has inline ingress: %v", sg["SecurityGroupIngress"])
	}
	// Only the rotation function and the migrations are let in.
	var sources []string
	for _, id := range tpl.ids("AWS::EC2::SecurityGroupIngress") {
		p := tpl.props(id)
		if reflect.DeepEqual(p["GroupId"], getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "DbSecurityGroup"), "GroupId")) {
			sources = append(sources, fmt.Sprint(p["SourceSecurityGroupId"]))
		}
	}
	if len(sources) != 2 {
		t.Errorf("cluster ingress sources = %v, want the rotation function and the migrations", sources)
	}
}

func TestDefaultPostgresqlLogGroupExistsBeforeInstances(t *testing.T) {
	tpl := defaults()
	cluster := tpl.one(t, "AWS::RDS::DBCluster", "Db")
	logs := tpl.one(t, "AWS::Logs::LogGroup", "DbPostgresqlLogs")
	tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties": map[string]any{
			"LogGroupName":    map[string]any{"Fn::Join": []any{"", []any{"/aws/rds/cluster/", ref(cluster), "/postgresql"}}},
			"RetentionInDays": 30,
			"KmsKeyId":        getAtt(tpl.one(t, "AWS::KMS::Key", "Db"), "Arn"),
		},
		"DeletionPolicy": "Retain",
	})
	for _, id := range tpl.ids("AWS::RDS::DBInstance") {
		if !contains(tpl.dependsOn(id), logs) {
			t.Errorf("instance %s does not wait for %s", id, logs)
		}
	}
	if defaultsDb.LogGroup() == nil {
		t.Error("LogGroup() is nil")
	}
}

func TestDefaultSecretIsEncryptedAndRotated(t *testing.T) {
	tpl := defaults()
	key := tpl.one(t, "AWS::KMS::Key", "Db")
	tpl.has("AWS::SecretsManager::Secret", map[string]any{
		"KmsKeyId": getAtt(key, "Arn"),
		// The migrations read dbname from it (the attachment adds host and port).
		"GenerateSecretString": objectLike(map[string]any{"SecretStringTemplate": `{"username":"stratus_admin","dbname":"app"}`}),
	})
	// Rotation changes the password of the user the secret names, whatever
	// the name: AWS's single-user function logs in as it and alters itself.
	tpl.has("AWS::SecretsManager::RotationSchedule", map[string]any{
		"RotationRules": map[string]any{"ScheduleExpression": "rate(30 days)"},
	})
	secrets := tpl.ids("AWS::SecretsManager::Secret")
	attachment := tpl.one(t, "AWS::SecretsManager::SecretTargetAttachment", "DbAdminSecretAttachment")
	schedule := tpl.props(tpl.one(t, "AWS::SecretsManager::RotationSchedule", "DbAdminSecretAttachment"))
	if len(secrets) != 1 || !reflect.DeepEqual(schedule["SecretId"], ref(attachment)) ||
		!reflect.DeepEqual(tpl.props(attachment)["SecretId"], ref(secrets[0])) {
		t.Errorf("the rotation schedule rotates %v, not the admin secret %v through %s", schedule["SecretId"], secrets, attachment)
	}
	// The rotation function runs in the egress subnets: it needs the Secrets Manager API.
	app := tpl.props(tpl.one(t, "AWS::Serverless::Application", "Db"))
	subnets := fmt.Sprint(app["Parameters"].(map[string]any)["vpcSubnetIds"])
	if !strings.Contains(subnets, "PrivateSubnet1") || strings.Contains(subnets, "Isolated") {
		t.Errorf("rotation subnets = %s, want the private-with-egress subnets", subnets)
	}
	tpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), map[string]any{"DeletionPolicy": "Retain"})
}

func TestDefaultAlarms(t *testing.T) {
	tpl := defaults()
	tpl.count("AWS::CloudWatch::Alarm", 3)
	for metric, threshold := range map[string]float64{
		"CPUUtilization": 80, "ACUUtilization": 90,
		// 80% of LEAST(2 ACU * 2 GiB / 9531392, 5000) = 80% of 450.
		"DatabaseConnections": 360,
	} {
		tpl.has("AWS::CloudWatch::Alarm", map[string]any{
			"MetricName": metric, "Namespace": "AWS/RDS", "Threshold": threshold,
			"EvaluationPeriods": 3, "DatapointsToAlarm": 3,
			"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
			"Dimensions": []any{map[string]any{"Name": "DBClusterIdentifier", "Value": ref(tpl.one(t, "AWS::RDS::DBCluster", "Db"))}},
		})
	}
	if len(defaultsDb.Alarms) != 3 {
		t.Errorf("Alarms = %d, want 3", len(defaultsDb.Alarms))
	}
}

func TestMetrics(t *testing.T) {
	for name, m := range map[string]interface{ MetricName() *string }{
		"ServerlessDatabaseCapacity": defaultsDb.MetricACU(nil),
		"ACUUtilization":             defaultsDb.MetricACUUtilization(nil),
		"CPUUtilization":             defaultsDb.MetricCPU(nil),
		"DatabaseConnections":        defaultsDb.MetricConnections(nil),
	} {
		if *m.MetricName() != name {
			t.Errorf("metric %s, want %s", *m.MetricName(), name)
		}
	}
	if got := *defaultsDb.MetricConnections(nil).Statistic(); got != "Maximum" {
		t.Errorf("connections statistic = %s", got)
	}
}

// What the caller sets in the options wins over each metric's defaults.
func TestMetricOptionsOverrideDefaults(t *testing.T) {
	opts := &awscloudwatch.MetricOptions{Statistic: jsii.String("p90"), Period: awscdk.Duration_Minutes(jsii.Number(1))}
	for name, m := range map[string]awscloudwatch.Metric{
		"MetricACU":            defaultsDb.MetricACU(opts),
		"MetricACUUtilization": defaultsDb.MetricACUUtilization(opts),
		"MetricCPU":            defaultsDb.MetricCPU(opts),
		"MetricConnections":    defaultsDb.MetricConnections(opts),
	} {
		if *m.Statistic() != "p90" || *m.Period().ToMinutes(nil) != 1 {
			t.Errorf("%s: statistic %s, period %v min; want the options' p90 and 1", name, *m.Statistic(), *m.Period().ToMinutes(nil))
		}
	}
	if m := defaultsDb.MetricCPU(nil); *m.Statistic() != "Average" || *m.Period().ToMinutes(nil) != 5 {
		t.Errorf("MetricCPU(nil): %s over %v min, want the defaults Average over 5", *m.Statistic(), *m.Period().ToMinutes(nil))
	}
}

func TestEndpointAndPort(t *testing.T) {
	if *defaultsDb.Port() != serverlessdb.DefaultPort || *defaultsDb.ClusterPort() != serverlessdb.DefaultPort {
		t.Errorf("defaults: Port %v ClusterPort %v, want %d", *defaultsDb.Port(), *defaultsDb.ClusterPort(), serverlessdb.DefaultPort)
	}
	if *customDb.Port() != serverlessdb.ProxyPort || *customDb.ClusterPort() != 6543 {
		t.Errorf("proxy: Port %v ClusterPort %v, want 5432 and 6543", *customDb.Port(), *customDb.ClusterPort())
	}
	if *defaultsDb.DatabaseName != "app" || *customDb.DatabaseName != "orders" || *defaultsDb.AdminUser != "stratus_admin" || *customDb.AdminUser != "orders_owner" {
		t.Errorf("DatabaseName %s/%s AdminUser %s", *defaultsDb.DatabaseName, *customDb.DatabaseName, *defaultsDb.AdminUser)
	}
	if defaultsDb.Proxy != nil || customDb.Proxy == nil {
		t.Error("Proxy must be nil without Props.Proxy and set with it")
	}
	if defaultsDb.Endpoint() == nil || defaultsDb.ReaderEndpoint() == nil || defaultsDb.Secret == nil {
		t.Error("Endpoint, ReaderEndpoint and Secret must be set")
	}
}

// Defaults: migrations.

func TestMigrationsCustomResource(t *testing.T) {
	tpl := defaults()
	cr := tpl.one(t, "Custom::DatabaseMigrations", "Db")
	fn := tpl.one(t, "AWS::Lambda::Function", "Migrate")
	provider := tpl.one(t, "AWS::Lambda::Function", "DbMigrationsProviderframeworkonEvent")
	tpl.has("Custom::DatabaseMigrations", map[string]any{
		"ServiceToken": getAtt(provider, "Arn"), "Version": "v1",
	})
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"USER_ON_EVENT_FUNCTION_ARN": getAtt(fn, "Arn")}},
	})
	// After the writer instance and the ingress rule that lets the function in.
	deps := tpl.dependsOn(cr)
	for _, want := range []string{
		tpl.one(t, "AWS::RDS::DBInstance", "DbClusterWriter"),
		tpl.one(t, "AWS::RDS::DBCluster", "Db"),
		tpl.one(t, "AWS::SecretsManager::RotationSchedule", "Db"),
	} {
		if !contains(deps, want) {
			t.Errorf("migrations DependsOn %v, missing %s", deps, want)
		}
	}
	ingress := false
	for _, id := range tpl.ids("AWS::EC2::SecurityGroupIngress") {
		if p := tpl.props(id); reflect.DeepEqual(p["SourceSecurityGroupId"], getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "MigrateSecurityGroup"), "GroupId")) {
			ingress = contains(deps, id)
		}
	}
	if !ingress {
		t.Error("no ingress from the migrations function to the cluster, or the migrations do not wait for it")
	}
	// The function reads the admin secret.
	attachment := tpl.one(t, "AWS::SecretsManager::SecretTargetAttachment", "Db")
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"DB_SECRET_ARN": ref(attachment)}},
	})
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "MigrateRole"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(map[string]any{
			"Action": []any{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, "Effect": "Allow", "Resource": ref(attachment),
		})}),
	})
	if defaultsDb.Migrations == nil {
		t.Error("Migrations is nil")
	}
}

func TestAddMigrationsTwicePanics(t *testing.T) {
	msg := cdktest.Recover(func() {
		defaultsDb.AddMigrations(&serverlessdb.MigrationsProps{Version: jsii.String("v9")})
	})
	if !strings.Contains(msg, "a database has one; Defaults/Db/Migrations already runs the first") {
		t.Errorf("panic = %q", msg)
	}
}

// Custom props.

func TestCustomVpcWithoutNatUsesEndpoints(t *testing.T) {
	tpl := custom()
	tpl.count("AWS::EC2::NatGateway", 0)
	tpl.count("AWS::EC2::Subnet", 4)
	if n := len(*customDb.Vpc.PrivateSubnets()); n != 0 {
		t.Errorf("private-with-egress subnets = %d, want 0 without NAT", n)
	}
	if got := customDb.FunctionSubnets().SubnetType; got != awsec2.SubnetType_PRIVATE_ISOLATED {
		t.Errorf("FunctionSubnets = %v, want PRIVATE_ISOLATED without NAT", got)
	}
	tpl.has("AWS::EC2::VPCEndpoint", map[string]any{
		"VpcEndpointType":   "Interface",
		"PrivateDnsEnabled": true,
		"ServiceName":       map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".secretsmanager"}}},
	})
	tpl.has("AWS::EC2::VPCEndpoint", map[string]any{
		"VpcEndpointType":   "Interface",
		"PrivateDnsEnabled": true,
		"ServiceName":       map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", ref("AWS::Region"), ".sns"}}},
	})
	tpl.count("AWS::EC2::VPCEndpoint", 3) // S3, Secrets Manager, InterfaceEndpoints' SNS
	// Rotation waits for the endpoint it needs.
	app := tpl.one(t, "AWS::Serverless::Application", "Db")
	if !contains(tpl.dependsOn(app), tpl.one(t, "AWS::EC2::VPCEndpoint", "DbSecretsManagerEndpoint")) {
		t.Errorf("rotation DependsOn %v, want the Secrets Manager endpoint", tpl.dependsOn(app))
	}
}

func TestCustomCluster(t *testing.T) {
	tpl := custom()
	tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), map[string]any{
		"Properties": objectLike(map[string]any{
			"EngineVersion":                    "16.9",
			"Port":                             6543,
			"DatabaseName":                     "orders",
			"MasterUsername":                   "orders_owner",
			"BackupRetentionPeriod":            14,
			"DeletionProtection":               false,
			"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 1, "MaxCapacity": 8},
		}),
		"DeletionPolicy": "Delete",
	})
	tpl.has("AWS::RDS::DBClusterParameterGroup", map[string]any{
		"Parameters": map[string]any{"rds.force_ssl": "1", "log_min_duration_statement": "500"},
	})
	for _, typ := range []string{"AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret"} {
		for _, id := range tpl.ids(typ) {
			if strings.HasPrefix(id, "Db") && tpl.resources()[id]["DeletionPolicy"] != "Delete" {
				t.Errorf("%s %s DeletionPolicy %v, want Delete with RemovalPolicy DESTROY", typ, id, tpl.resources()[id]["DeletionPolicy"])
			}
		}
	}
	for _, id := range tpl.ids("AWS::Logs::LogGroup") {
		if strings.HasPrefix(id, "Db") && tpl.props(id)["RetentionInDays"] != float64(7) {
			t.Errorf("log group %s retention %v, want 7", id, tpl.props(id)["RetentionInDays"])
		}
	}
	tpl.has("AWS::SecretsManager::RotationSchedule", map[string]any{
		"RotationRules": map[string]any{"ScheduleExpression": "rate(7 days)"},
	})
}

func TestCustomReadersSpreadOverAzs(t *testing.T) {
	tpl := custom()
	tpl.count("AWS::RDS::DBInstance", 3)
	tpl.has("AWS::RDS::DBInstance", map[string]any{"PromotionTier": 0, "AvailabilityZone": selectAZ(0)})
	tpl.has("AWS::RDS::DBInstance", map[string]any{"PromotionTier": 1, "AvailabilityZone": selectAZ(1)}) // scales with the writer
	tpl.has("AWS::RDS::DBInstance", map[string]any{"PromotionTier": 2, "AvailabilityZone": selectAZ(0)})
}

func TestCustomAlarmThresholds(t *testing.T) {
	tpl := custom()
	for metric, threshold := range map[string]float64{"CPUUtilization": 70, "ACUUtilization": 75, "DatabaseConnections": 500} {
		tpl.has("AWS::CloudWatch::Alarm", map[string]any{"MetricName": metric, "Threshold": threshold})
	}
}

func TestProxyRequiresTLSAndIAM(t *testing.T) {
	tpl := custom()
	proxy := tpl.one(t, "AWS::RDS::DBProxy", "Db")
	cluster := tpl.one(t, "AWS::RDS::DBCluster", "Db")
	tpl.has("AWS::RDS::DBProxy", map[string]any{
		"EngineFamily": "POSTGRESQL", "RequireTLS": true, "DefaultAuthScheme": "IAM_AUTH",
		"DBProxyName": assertions.Match_StringLikeRegexp(jsii.String("^CustomDb[A-Za-z0-9]+Proxy$")),
		"Auth":        assertions.Match_Absent(),
	})
	tpl.has("AWS::RDS::DBProxyTargetGroup", map[string]any{
		"DBProxyName": ref(proxy), "DBClusterIdentifiers": []any{ref(cluster)},
	})
	// The proxy logs in to the cluster as the granted user with IAM (and as
	// the analyst, granted to a role).
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "DbProxyRole"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
				":dbuser:", getAtt(cluster, "DBClusterResourceId"), "/app",
			}}},
		})}),
	})
	// The cluster admits the proxy.
	tpl.has("AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId":               getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "DbSecurityGroup"), "GroupId"),
		"SourceSecurityGroupId": getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "DbProxySecurityGroup"), "GroupId"),
	})
}

func TestGrantConnectThroughProxy(t *testing.T) {
	tpl := custom()
	proxy := tpl.one(t, "AWS::RDS::DBProxy", "Db")
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"ORDERS_DB_HOST": getAtt(proxy, "Endpoint"), "DB_PORT": "5432", "DB_NAME": "orders", "DB_USER": "app", "DB_IAM_AUTH": "true",
			"DB_PROXY": "true", "DB_HOST": assertions.Match_Absent(),
		}},
	})
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "ApiRole"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":dbuser:",
				getAtt(tpl.one(t, "AWS::SSM::Parameter", "DbProxyResourceId"), "Value"), "/app",
			}}},
		})}),
	})
	tpl.has("AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId":               getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "DbProxySecurityGroup"), "GroupId"),
		"SourceSecurityGroupId": getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "ApiSecurityGroup"), "GroupId"),
		"FromPort":              5432, "ToPort": 5432,
	})
}

// A role holds the same IAM grant as a function, on the proxy; the proxy's
// own role may then log in to the cluster as that user. No network rule and
// no environment: those are Bind's, for functions.
// Props.Env renames what Bind and the migrations set; a name left nil keeps
// its default.
func TestEnvNamesRenameTheVariables(t *testing.T) {
	tpl := custom()
	attachment := tpl.one(t, "AWS::SecretsManager::SecretTargetAttachment", "Db")
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"ORDERS_ADMIN_SECRET": ref(attachment), "DB_SECRET_ARN": assertions.Match_Absent(),
		}},
	})
	d := serverlessdb.DefaultEnv()
	got := []string{*d.Host, *d.Port, *d.Name, *d.User, *d.IAMAuth, *d.Proxy, *d.SecretArn}
	want := []string{"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_IAM_AUTH", "DB_PROXY", "DB_SECRET_ARN"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultEnv() = %v, want %v", got, want)
	}
}

func TestGrantConnectToRoleThroughProxy(t *testing.T) {
	tpl := custom()
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "Analyst"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": []any{map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":dbuser:",
				getAtt(tpl.one(t, "AWS::SSM::Parameter", "DbProxyResourceId"), "Value"), "/analyst",
			}}},
		}}}),
	})
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "DbProxyRole"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":dbuser:",
				getAtt(tpl.one(t, "AWS::RDS::DBCluster", "Db"), "DBClusterResourceId"), "/analyst",
			}}},
		})}),
	})
	if !*proxyRoleGrant.Success() || len(*proxyRoleGrant.PrincipalStatements()) != 1 {
		t.Errorf("grant to the role: success %v, %d statements; want true, 1", *proxyRoleGrant.Success(), len(*proxyRoleGrant.PrincipalStatements()))
	}
}

// The proxy's resource id is cut from its ARN in the database's stack and
// published whole: the parameter holds the split of a local GetAtt, and
// ProxyResourceId is the parameter's value.
func TestProxyResourceIdIsPublished(t *testing.T) {
	tpl := custom()
	proxy := tpl.one(t, "AWS::RDS::DBProxy", "Db")
	tpl.has("AWS::SSM::Parameter", map[string]any{
		"Type":  "String",
		"Value": map[string]any{"Fn::Select": []any{6, map[string]any{"Fn::Split": []any{":", getAtt(proxy, "DBProxyArn")}}}},
	})
	if got := fmt.Sprint(customStack.Resolve(customDb.ProxyResourceId())); !strings.Contains(got, "DbProxyResourceId") || !strings.Contains(got, "Value") {
		t.Errorf("ProxyResourceId() resolves to %s, want the parameter's Value", got)
	}
	if defaultsDb.ProxyResourceId() != nil {
		t.Error("ProxyResourceId() of a database without a proxy is not nil")
	}
}

// A grant from another stack names the proxy by the published id: the
// consumer's template reads it whole (Fn::GetStackOutput in the ARN's
// Fn::Join), and splits nothing.
func TestGrantConnectFromAnotherStackSplitsNothing(t *testing.T) {
	tpl := tmpl{consumerTpl}
	tpl.has("AWS::IAM::Policy", map[string]any{
		"PolicyDocument": objectLike(map[string]any{"Statement": []any{map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":dbuser:",
				map[string]any{"Fn::GetStackOutput": objectLike(map[string]any{
					"StackName":  "Custom",
					"OutputName": assertions.Match_StringLikeRegexp(jsii.String("DbProxyResourceId.*Value")),
				})}, "/reader",
			}}},
		}}}),
	})
	raw, _ := json.Marshal(consumerTpl.ToJSON())
	if strings.Contains(string(raw), "Fn::Split") {
		t.Errorf("the consumer's template splits a value:\n%s", raw)
	}
}

// Enhanced Monitoring: every instance every MonitoringInterval, with a
// role RDS's monitoring service assumes; none by default.
func TestEnhancedMonitoring(t *testing.T) {
	tpl := custom()
	role := tpl.one(t, "AWS::IAM::Role", "DbMonitoringRole")
	for _, id := range tpl.ids("AWS::RDS::DBInstance") {
		p := tpl.props(id)
		if p["MonitoringInterval"] != 60.0 || !reflect.DeepEqual(p["MonitoringRoleArn"], getAtt(role, "Arn")) {
			t.Errorf("%s: MonitoringInterval %v, MonitoringRoleArn %v; want 60 and the role", id, p["MonitoringInterval"], p["MonitoringRoleArn"])
		}
	}
	tpl.has("AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": objectLike(map[string]any{"Statement": []any{objectLike(map[string]any{
			"Principal": map[string]any{"Service": "monitoring.rds.amazonaws.com"},
		})}}),
		"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", []any{
			"arn:", ref("AWS::Partition"), ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
		}}}},
	})
	if customDb.MonitoringRole == nil || defaultsDb.MonitoringRole != nil {
		t.Error("MonitoringRole is set exactly when MonitoringInterval is")
	}
	defaults().ResourcePropertiesCountIs(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
		"MonitoringInterval": assertions.Match_AnyValue(),
	}, jsii.Number(0))
}

// egress returns the egress rules of a security group: its inline
// SecurityGroupEgress and the AWS::EC2::SecurityGroupEgress resources on it.
func (t tmpl) egress(sg string) []map[string]any {
	var out []map[string]any
	list, _ := t.props(sg)["SecurityGroupEgress"].([]any)
	for _, r := range list {
		out = append(out, r.(map[string]any))
	}
	for _, id := range t.ids("AWS::EC2::SecurityGroupEgress") {
		if p := t.props(id); reflect.DeepEqual(p["GroupId"], getAtt(sg, "GroupId")) {
			out = append(out, p)
		}
	}
	return out
}

// The rotation function may reach the Secrets Manager API over HTTPS (any
// address behind a NAT, the VPC's endpoint without) and the cluster's port,
// nothing else; its group keeps the logical id CDK gave it.
func TestRotationFunctionEgress(t *testing.T) {
	for _, c := range []struct {
		name  string
		tpl   tmpl
		https any
		port  float64
	}{
		{"defaults (NAT)", defaults(), "0.0.0.0/0", serverlessdb.DefaultPort},
		{"custom (no NAT)", custom(), getAtt(custom().one(t, "AWS::EC2::VPC", "Db"), "CidrBlock"), 6543},
	} {
		sg := c.tpl.one(t, "AWS::EC2::SecurityGroup", "DbClusterRotationSingleUserSecurityGroup")
		db := c.tpl.one(t, "AWS::EC2::SecurityGroup", "DbSecurityGroup")
		rules := c.tpl.egress(sg)
		if len(rules) != 2 {
			t.Fatalf("%s: %d egress rules, want HTTPS and the cluster's port: %v", c.name, len(rules), rules)
		}
		https, dbPort := rules[0], rules[1]
		if https["FromPort"] != 443.0 || https["ToPort"] != 443.0 || https["IpProtocol"] != "tcp" || !reflect.DeepEqual(https["CidrIp"], c.https) {
			t.Errorf("%s: HTTPS rule %v, want TCP 443 to %v", c.name, https, c.https)
		}
		if dbPort["FromPort"] != c.port || dbPort["ToPort"] != c.port || !reflect.DeepEqual(dbPort["DestinationSecurityGroupId"], getAtt(db, "GroupId")) {
			t.Errorf("%s: database rule %v, want TCP %v to the cluster's group", c.name, dbPort, c.port)
		}
	}
}

// A function with gofunction's Egress, bound to the proxy, may send HTTPS
// to its peers and the proxy's port to the proxy's group: Bind's AllowTo
// adds the egress rule a restricted function needs.
func TestBindOpensTheProxyPortOfARestrictedFunction(t *testing.T) {
	tpl := custom()
	sg := tpl.one(t, "AWS::EC2::SecurityGroup", "ApiSecurityGroup")
	proxySG := tpl.one(t, "AWS::EC2::SecurityGroup", "DbProxySecurityGroup")
	var ports []string
	for _, r := range tpl.egress(sg) {
		ports = append(ports, fmt.Sprint(r["FromPort"]))
		if r["FromPort"] == 5432.0 && !reflect.DeepEqual(r["DestinationSecurityGroupId"], getAtt(proxySG, "GroupId")) {
			t.Errorf("the proxy port goes to %v, want the proxy's group", r["DestinationSecurityGroupId"])
		}
		if r["IpProtocol"] == "-1" || r["CidrIp"] == "0.0.0.0/0" {
			t.Errorf("egress rule %v is open", r)
		}
	}
	sort.Strings(ports)
	if strings.Join(ports, ",") != "443,5432" {
		t.Errorf("egress ports %v, want 443 and 5432", ports)
	}
}

// Existing VPC, Props.Migrations, direct grant.

func TestExistingVpc(t *testing.T) {
	tpl := existing()
	tpl.count("AWS::EC2::VPC", 1) // the caller's only
	subnetGroup := tpl.props(tpl.one(t, "AWS::RDS::DBSubnetGroup", "Db"))
	for _, s := range subnetGroup["SubnetIds"].([]any) {
		if id := s.(map[string]any)["Ref"].(string); !strings.HasPrefix(id, "VpcDataSubnet") {
			t.Errorf("cluster subnet %s is not one of the VPC's isolated subnets", id)
		}
	}
	// SecretsManagerEndpoint: true adds the endpoint even behind a NAT.
	tpl.has("AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "VpcId": ref(tpl.one(t, "AWS::EC2::VPC", "Vpc"))})
	if existingDb.Vpc == nil || existingDb.FunctionSubnets().SubnetType != awsec2.SubnetType_PRIVATE_WITH_EGRESS {
		t.Errorf("FunctionSubnets = %v", existingDb.FunctionSubnets().SubnetType)
	}
}

func TestMigrationsFromProps(t *testing.T) {
	tpl := existing()
	tpl.has("Custom::DatabaseMigrations", map[string]any{"Version": "v2"})
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"DB_SECRET_ARN": ref(tpl.one(t, "AWS::SecretsManager::SecretTargetAttachment", "Db"))}},
	})
}

func TestGrantConnectDirect(t *testing.T) {
	tpl := existing()
	cluster := tpl.one(t, "AWS::RDS::DBCluster", "Db")
	tpl.has("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"DB_HOST": getAtt(cluster, "Endpoint.Address"), "DB_PORT": "5433", "DB_NAME": "app", "DB_USER": "reporting", "DB_IAM_AUTH": "true",
			"DB_PROXY": assertions.Match_Absent(),
		}},
	})
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "ReportsRole"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": arrayWith(map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
				":dbuser:", getAtt(cluster, "DBClusterResourceId"), "/reporting",
			}}},
		})}),
	})
	tpl.has("AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId":               getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "DbSecurityGroup"), "GroupId"),
		"SourceSecurityGroupId": getAtt(tpl.one(t, "AWS::EC2::SecurityGroup", "ReportsSecurityGroup"), "GroupId"),
	})
}

func TestGrantConnectToRoleDirect(t *testing.T) {
	tpl := existing()
	cluster := tpl.one(t, "AWS::RDS::DBCluster", "Db")
	tpl.has("AWS::IAM::Policy", map[string]any{
		"Roles": []any{ref(tpl.one(t, "AWS::IAM::Role", "Analyst"))},
		"PolicyDocument": objectLike(map[string]any{"Statement": []any{map[string]any{
			"Action": "rds-db:connect", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", ref("AWS::Partition"), ":rds-db:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
				":dbuser:", getAtt(cluster, "DBClusterResourceId"), "/analyst",
			}}},
		}}}),
	})
	if !*directRoleGrant.Success() || len(*directRoleGrant.PrincipalStatements()) != 1 {
		t.Errorf("grant to the role: success %v, %d statements; want true, 1", *directRoleGrant.Success(), len(*directRoleGrant.PrincipalStatements()))
	}
}

// An environment-specific stack: MaxAzs and NatGateways, AZs from context.

func TestRegionalVpcSpansMaxAzs(t *testing.T) {
	tpl := regional()
	tpl.count("AWS::EC2::Subnet", 9)
	tpl.count("AWS::EC2::NatGateway", 2)
	for i, az := range regionalAZs {
		tpl.has("AWS::EC2::Subnet", map[string]any{"AvailabilityZone": az})
		// The writer in the first AZ, each reader in the next.
		tpl.has("AWS::RDS::DBInstance", map[string]any{"AvailabilityZone": az, "PromotionTier": i})
	}
	if len(missingContext) > 0 {
		t.Errorf("synth asked for context lookups: %v", missingContext)
	}
}

// Zones given by name: the VPC spans exactly those, as literals, in any
// stack (here an environment-agnostic one, which would otherwise get
// Fn::GetAZs selections).
func TestGivenZonesAreUsedByName(t *testing.T) {
	tpl := zoned()
	tpl.count("AWS::EC2::Subnet", 6)
	for i, az := range zonedAZs {
		tpl.has("AWS::EC2::Subnet", map[string]any{"AvailabilityZone": az})
		tpl.has("AWS::RDS::DBInstance", map[string]any{"AvailabilityZone": az, "PromotionTier": i})
	}
	raw, err := json.Marshal(zonedTpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "Fn::GetAZs") {
		t.Error("the template still selects zones with Fn::GetAZs")
	}
}
