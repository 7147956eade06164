package test

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/analysis/refsynth"
	"github.com/stratus-cdk/stratus/stacks"
)

// TestEveryConfigFieldReachesTheTemplates proves each environment
// difference in the synthesized templates: for every field of stacks.Config
// and of its nested structs, for every stage (Dev, Staging, Prod, and Dev
// built with a custom domain), the property the field controls holds the
// stage's value. The fields are enumerated by reflection, so a field added
// to Config without a check here fails the test, and so does a check whose
// field is gone. To see it, add a field to stacks.DatabaseConfig, e.g.
//
//	MaxConnections int // not passed anywhere
//
// and run
//
//	go test ./test -run TestEveryConfigFieldReachesTheTemplates
//
// which fails with
//
//	stacks.Config field Database.MaxConnections has no check in configChecks: ...
//
// until a check proves, in each stage's templates, what the field sets.
func TestEveryConfigFieldReachesTheTemplates(t *testing.T) {
	fields := configFields(reflect.TypeOf(stacks.Config{}), "")
	for _, f := range fields {
		if configChecks[f] == nil {
			t.Errorf("stacks.Config field %s has no check in configChecks: add one that finds, in each stage's "+
				"templates, the property the field sets (or delete the field if nothing reads it)", f)
		}
	}
	for name := range configChecks {
		if !slices.Contains(fields, name) {
			t.Errorf("configChecks checks %s, which stacks.Config does not have", name)
		}
	}
	stages := map[string]*stacks.Stage{"Dev": built.Dev, "Staging": built.Staging, "Prod": built.Prod, "Dev with a domain": withDomain}
	for label, stage := range stages {
		st := loadStage(t, stage)
		for _, f := range fields {
			if check := configChecks[f]; check != nil {
				t.Run(label+"/"+f, func(t *testing.T) { check(t, st) })
			}
		}
	}
}

// configFields lists the fields of a struct type by dotted path,
// descending into the structs of package stacks (Database.MinCapacity).
func configFields(typ reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == typ.PkgPath() {
			out = append(out, configFields(f.Type, prefix+f.Name+".")...)
			continue
		}
		out = append(out, prefix+f.Name)
	}
	return out
}

// stageTemplates is one stage's synthesized templates and its Config.
type stageTemplates struct {
	stage          *stacks.Stage
	cfg            stacks.Config
	data, app, web template
	edge           *template // nil without an edge stack
	copy           *template // nil without a backup copy stack
}

func loadStage(t *testing.T, s *stacks.Stage) stageTemplates {
	st := stageTemplates{stage: s, cfg: s.Config, data: load(t, s.Data.Stack), app: load(t, s.App.Stack), web: load(t, s.Web.Stack)}
	if s.Edge != nil {
		edge := load(t, s.Edge.Stack)
		st.edge = &edge
	}
	if s.BackupCopy != nil {
		copy := load(t, s.BackupCopy.Stack)
		st.copy = &copy
	}
	return st
}

// backupRules are the Data stack's backup plan's rules by name; nil
// without a plan.
func (st stageTemplates) backupRules(t *testing.T) map[string]map[string]any {
	t.Helper()
	plans := st.data.ofType("AWS::Backup::BackupPlan")
	if len(plans) == 0 {
		return nil
	}
	out := map[string]map[string]any{}
	for _, p := range plans {
		for _, r := range property(p, "BackupPlan", "BackupPlanRule").([]any) {
			r := r.(map[string]any)
			out[r["RuleName"].(string)] = r
		}
	}
	return out
}

// vaults are the stage's backup vaults: the Data stack's and the copy's.
func (st stageTemplates) vaults() []resource {
	var out []resource
	for _, v := range st.data.ofType("AWS::Backup::BackupVault") {
		out = append(out, v)
	}
	if st.copy != nil {
		for _, v := range st.copy.ofType("AWS::Backup::BackupVault") {
			out = append(out, v)
		}
	}
	return out
}

// checkRestore checks the restored cluster's property: none without
// Database.Restore (TestRestoreIsANewClusterTheLockNames covers a restore).
func checkRestore(t *testing.T, st stageTemplates, property, want string) {
	t.Helper()
	clusters := st.data.ofType("AWS::RDS::DBCluster")
	if !st.cfg.Database.Restore.IsSet() {
		eq(t, "clusters", len(clusters), 1)
		return
	}
	for id, c := range clusters {
		if strings.HasPrefix(id, "DatabaseRestored") {
			got, _ := c.Properties[property].(string)
			eq(t, "restored "+property, got, want)
		}
	}
}

// listOf is v as a list; nil for anything else (nil included).
func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkRetention checks a rule's retention and its copy's.
func checkRetention(t *testing.T, st stageTemplates, rule string, days int) {
	t.Helper()
	rules := st.backupRules(t)
	if !st.cfg.Backup.Enabled {
		if rules != nil {
			t.Errorf("a backup plan without Backup.Enabled")
		}
		return
	}
	r := rules[rule]
	eq(t, rule+" DeleteAfterDays", r["Lifecycle"].(map[string]any)["DeleteAfterDays"], days)
	for _, c := range listOf(r["CopyActions"]) {
		eq(t, rule+" copy DeleteAfterDays", c.(map[string]any)["Lifecycle"].(map[string]any)["DeleteAfterDays"], days)
	}
}

// all is every template of the stage.
func (st stageTemplates) all() []template {
	out := []template{st.data, st.app, st.web}
	if st.edge != nil {
		out = append(out, *st.edge)
	}
	return out
}

// property reads a nested property of a resource ("A", "B" for Properties.A.B).
func property(r resource, path ...string) any {
	var v any = r.Properties
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if toString(got) != toString(want) {
		t.Errorf("%s = %s, want %s", what, toString(got), toString(want))
	}
}

func count(t *testing.T, what string, tpl template, typ string, want int) {
	t.Helper()
	if got := len(tpl.ofType(typ)); got != want {
		t.Errorf("%s: %d %s, want %d", what, got, typ, want)
	}
}

// deletionPolicy is the DeletionPolicy CDK writes for a removal policy.
func deletionPolicy(t *testing.T, p awscdk.RemovalPolicy) string {
	switch p {
	case awscdk.RemovalPolicy_DESTROY:
		return "Delete"
	case awscdk.RemovalPolicy_RETAIN:
		return "Retain"
	case awscdk.RemovalPolicy_SNAPSHOT:
		return "Snapshot"
	}
	t.Fatalf("removal policy %q: add its DeletionPolicy here", p)
	return ""
}

// retentionDays are the days of the awslogs.RetentionDays the stages use.
var retentionDays = map[string]float64{"ONE_WEEK": 7, "ONE_MONTH": 30, "THREE_MONTHS": 90, "SIX_MONTHS": 180, "ONE_YEAR": 365}

// rate is the schedule expression CDK writes for an interval: whole days,
// else whole hours, else minutes.
func rate(d time.Duration) string {
	n, unit := d.Minutes(), "minute"
	switch {
	case d%(24*time.Hour) == 0:
		n, unit = d.Hours()/24, "day"
	case d%time.Hour == 0:
		n, unit = d.Hours(), "hour"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("rate(%g %s)", n, unit)
}

func (st stageTemplates) cluster(t *testing.T) resource {
	_, c := st.data.one(t, "AWS::RDS::DBCluster", "Database")
	return c
}

func (st stageTemplates) userPool(t *testing.T) resource {
	_, p := st.app.one(t, "AWS::Cognito::UserPool", "Api")
	return p
}

func (st stageTemplates) distribution(t *testing.T) map[string]any {
	_, d := st.web.one(t, "AWS::CloudFront::Distribution", "Site")
	cfg, _ := d.Properties["DistributionConfig"].(map[string]any)
	return cfg
}

// aliasRecords are the Web stack's A and AAAA records, by type.
func (st stageTemplates) aliasRecords() map[string][]resource {
	out := map[string][]resource{}
	for _, r := range st.web.ofType("AWS::Route53::RecordSet") {
		out[fmt.Sprint(r.Properties["Type"])] = append(out[fmt.Sprint(r.Properties["Type"])], r)
	}
	return out
}

func (st stageTemplates) certificates() map[string]resource {
	if st.edge == nil {
		return nil
	}
	return st.edge.ofType("AWS::CertificateManager::Certificate")
}

// configChecks holds, per field of stacks.Config, what the field sets in a
// stage's templates.
var configChecks = map[string]func(t *testing.T, st stageTemplates){
	"Name": func(t *testing.T, st stageTemplates) {
		eq(t, "stage name", *st.stage.StageName(), st.cfg.Name)
		for _, tpl := range st.all() {
			if !strings.HasPrefix(tpl.Description, "Stratus "+st.cfg.Name+": ") {
				t.Errorf("template description %q does not name the stage", tpl.Description)
			}
		}
	},
	"Production": func(t *testing.T, st stageTemplates) {
		eq(t, "Data stack termination protection", *st.stage.Data.Stack.TerminationProtection(), st.cfg.Production)
		c := st.cluster(t)
		eq(t, "cluster DeletionProtection", c.Properties["DeletionProtection"], st.cfg.Production)
		eq(t, "cluster DeletionPolicy is Snapshot", c.DeletionPolicy == "Snapshot", st.cfg.Production)
		want := map[bool]string{true: "ACTIVE", false: "INACTIVE"}[st.cfg.Production]
		eq(t, "user pool DeletionProtection", st.userPool(t).Properties["DeletionProtection"], want)
	},
	"LogRetention": func(t *testing.T, st stageTemplates) {
		days, ok := retentionDays[string(st.cfg.LogRetention)]
		if !ok {
			t.Fatalf("LogRetention %q: add its days to retentionDays", st.cfg.LogRetention)
		}
		n := 0
		for _, tpl := range st.all() {
			for id, lg := range tpl.ofType("AWS::Logs::LogGroup") {
				n++
				eq(t, "RetentionInDays of "+id, lg.Properties["RetentionInDays"], days)
			}
		}
		if n < 5 {
			t.Errorf("only %d log groups", n)
		}
	},
	"RemovalPolicy": func(t *testing.T, st stageTemplates) {
		want := deletionPolicy(t, st.cfg.RemovalPolicy)
		eq(t, "user pool DeletionPolicy", st.userPool(t).DeletionPolicy, want)
		for _, tpl := range []template{st.app, st.web} {
			for id, b := range tpl.ofType("AWS::S3::Bucket") {
				eq(t, "DeletionPolicy of bucket "+id, b.DeletionPolicy, want)
			}
		}
		for id, q := range st.app.ofType("AWS::SQS::Queue") {
			eq(t, "DeletionPolicy of queue "+id, q.DeletionPolicy, want)
		}
	},
	"Database.MinCapacity": func(t *testing.T, st stageTemplates) {
		eq(t, "MinCapacity", property(st.cluster(t), "ServerlessV2ScalingConfiguration", "MinCapacity"), st.cfg.Database.MinCapacity)
	},
	"Database.MaxCapacity": func(t *testing.T, st stageTemplates) {
		eq(t, "MaxCapacity", property(st.cluster(t), "ServerlessV2ScalingConfiguration", "MaxCapacity"), st.cfg.Database.MaxCapacity)
	},
	"Database.Readers": func(t *testing.T, st stageTemplates) {
		count(t, "writer and readers", st.data, "AWS::RDS::DBInstance", 1+st.cfg.Database.Readers)
	},
	"Database.Proxy": func(t *testing.T, st stageTemplates) {
		count(t, "proxy", st.data, "AWS::RDS::DBProxy", map[bool]int{true: 1}[st.cfg.Database.Proxy])
	},
	"Database.NatGateways": func(t *testing.T, st stageTemplates) {
		count(t, "NAT gateways", st.data, "AWS::EC2::NatGateway", st.cfg.Database.NatGateways)
	},
	"Database.AdminUser": func(t *testing.T, st stageTemplates) {
		// Unset is the construct's default, never the engine's "postgres".
		want := cmp.Or(st.cfg.Database.AdminUser, serverlessdb.DefaultAdminUser)
		eq(t, "MasterUsername", st.cluster(t).Properties["MasterUsername"], want)
		if want == "postgres" {
			t.Error("the stage's admin user is postgres, the name every scanner flags")
		}
	},
	"Database.BackupRetentionDays": func(t *testing.T, st stageTemplates) {
		eq(t, "BackupRetentionPeriod", st.cluster(t).Properties["BackupRetentionPeriod"], st.cfg.Database.BackupRetentionDays)
	},
	"Database.EnhancedMonitoring": func(t *testing.T, st stageTemplates) {
		instances := st.data.ofType("AWS::RDS::DBInstance")
		if len(instances) == 0 {
			t.Fatal("no database instances")
		}
		for id, inst := range instances {
			if st.cfg.Database.EnhancedMonitoring == 0 {
				eq(t, "MonitoringInterval of "+id, inst.Properties["MonitoringInterval"], nil)
				eq(t, "MonitoringRoleArn of "+id, inst.Properties["MonitoringRoleArn"], nil)
				continue
			}
			eq(t, "MonitoringInterval of "+id, inst.Properties["MonitoringInterval"], st.cfg.Database.EnhancedMonitoring.Seconds())
			role, _ := st.data.one(t, "AWS::IAM::Role", "DatabaseMonitoringRole")
			eq(t, "MonitoringRoleArn of "+id, inst.Properties["MonitoringRoleArn"], map[string]any{"Fn::GetAtt": []string{role, "Arn"}})
		}
	},
	"Database.AvailabilityZones": func(t *testing.T, st stageTemplates) {
		zones := map[string]bool{}
		for _, s := range st.data.ofType("AWS::EC2::Subnet") {
			zones[toString(s.Properties["AvailabilityZone"])] = true
		}
		var got []string
		for z := range zones {
			got = append(got, z)
		}
		sort.Strings(got)
		eq(t, "the subnets' zones", got, st.cfg.Database.AvailabilityZones[refsynth.Region])
	},
	"Api.Mfa": func(t *testing.T, st stageTemplates) {
		want := map[string]string{"OFF": "OFF", "OPTIONAL": "OPTIONAL", "REQUIRED": "ON"}[string(st.cfg.Api.Mfa)]
		eq(t, "MfaConfiguration", st.userPool(t).Properties["MfaConfiguration"], want)
	},
	"Api.Mail.SES": func(t *testing.T, st stageTemplates) {
		mail := property(st.userPool(t), "EmailConfiguration")
		if !st.cfg.Api.Mail.SES {
			eq(t, "EmailConfiguration (Cognito's own sender)", mail, nil)
			return
		}
		eq(t, "EmailSendingAccount", property(st.userPool(t), "EmailConfiguration", "EmailSendingAccount"), "DEVELOPER")
		eq(t, "From", property(st.userPool(t), "EmailConfiguration", "From"), map[string]any{"Ref": stacks.MailFromParameter})
	},
	"Api.Mail.From": func(t *testing.T, st stageTemplates) {
		param, ok := st.app.Parameters[stacks.MailFromParameter]
		if !st.cfg.Api.Mail.SES {
			eq(t, "a MailFrom parameter", ok, false)
			return
		}
		// No setting, no default: a deploy must name the sender.
		want := any(nil)
		if st.cfg.Api.Mail.From != "" {
			want = st.cfg.Api.Mail.From
		}
		eq(t, "MailFrom's default", param["Default"], want)
	},
	"Api.WebAcl": func(t *testing.T, st stageTemplates) {
		count(t, "API web ACL", st.app, "AWS::WAFv2::WebACL", map[bool]int{true: 1}[st.cfg.Api.WebAcl])
		count(t, "API web ACL association", st.app, "AWS::WAFv2::WebACLAssociation", map[bool]int{true: 1}[st.cfg.Api.WebAcl])
	},
	"Api.OriginSecretRotation": func(t *testing.T, st stageTemplates) {
		behind := st.cfg.Api.WebAcl && st.cfg.Site.WebAcl
		count(t, "origin secret rotation", st.web, "AWS::SecretsManager::RotationSchedule", map[bool]int{true: 1}[behind])
		if !behind {
			return
		}
		days := cmp.Or(st.cfg.Api.OriginSecretRotation, 30*24*time.Hour).Hours() / 24
		for _, schedule := range st.web.ofType("AWS::SecretsManager::RotationSchedule") {
			eq(t, "RotationRules.ScheduleExpression", property(schedule, "RotationRules", "ScheduleExpression"), fmt.Sprintf("rate(%g days)", days))
		}
	},
	"Database.Restore.SnapshotArn": func(t *testing.T, st stageTemplates) {
		checkRestore(t, st, "SnapshotIdentifier", st.cfg.Database.Restore.SnapshotArn)
	},
	"Database.Restore.SourceCluster": func(t *testing.T, st stageTemplates) {
		checkRestore(t, st, "SourceDBClusterIdentifier", st.cfg.Database.Restore.SourceCluster)
	},
	"Database.Restore.Time": func(t *testing.T, st stageTemplates) {
		checkRestore(t, st, "RestoreToTime", st.cfg.Database.Restore.Time)
	},
	"Backup.Enabled": func(t *testing.T, st stageTemplates) {
		want := map[bool]int{true: 1}[st.cfg.Backup.Enabled]
		count(t, "backup plan", st.data, "AWS::Backup::BackupPlan", want)
		count(t, "backup vault", st.data, "AWS::Backup::BackupVault", want)
		// The cluster from the Data stack, the uploads bucket from the App stack.
		for _, sel := range []struct {
			tpl      template
			resource string
		}{{st.data, "AWS::RDS::DBCluster"}, {st.app, "AWS::S3::Bucket"}} {
			count(t, "backup selection", sel.tpl, "AWS::Backup::BackupSelection", want)
			for _, s := range sel.tpl.ofType("AWS::Backup::BackupSelection") {
				covered := toString(property(s, "BackupSelection", "Resources"))
				found := false
				for id := range sel.tpl.ofType(sel.resource) {
					found = found || strings.Contains(covered, `"`+id+`"`)
				}
				if !found {
					t.Errorf("backup selection %s covers no %s of its stack", covered, sel.resource)
				}
			}
		}
		// A failed, aborted or expired job reaches the stage's alarm topic.
		rules := 0
		for _, r := range st.data.ofType("AWS::Events::Rule") {
			if !strings.Contains(toString(property(r, "EventPattern")), "aws.backup") {
				continue
			}
			rules++
			eq(t, "backup alert states", property(r, "EventPattern", "detail", "state"), []any{"FAILED", "ABORTED", "EXPIRED"})
			target := toString(property(r, "Targets"))
			for id := range st.data.ofType("AWS::SNS::Topic") {
				if !strings.Contains(target, `{"Ref":"`+id+`"}`) {
					t.Errorf("the backup alert's target %s is not the alarm topic %s", target, id)
				}
			}
		}
		eq(t, "backup alert rules", rules, want)
	},
	"Backup.Continuous": func(t *testing.T, st stageTemplates) {
		if rules := st.backupRules(t); rules != nil {
			eq(t, "Daily EnableContinuousBackup", rules["Daily"]["EnableContinuousBackup"], st.cfg.Backup.Continuous)
			eq(t, "Monthly EnableContinuousBackup", rules["Monthly"]["EnableContinuousBackup"], false)
		}
	},
	"Backup.DailyRetentionDays": func(t *testing.T, st stageTemplates) {
		checkRetention(t, st, "Daily", st.cfg.Backup.DailyRetentionDays)
		// The uploads keep their old versions at least as long.
		want := 30
		if st.cfg.Backup.Enabled {
			want = max(30, st.cfg.Backup.DailyRetentionDays)
		}
		for id, b := range st.app.ofType("AWS::S3::Bucket") {
			if strings.HasPrefix(id, "Uploads") && !strings.HasPrefix(id, "UploadsAccessLogs") {
				rules := listOf(property(b, "LifecycleConfiguration", "Rules"))
				eq(t, "uploads NoncurrentVersionExpiration", rules[0].(map[string]any)["NoncurrentVersionExpiration"].(map[string]any)["NoncurrentDays"], want)
			}
		}
	},
	"Backup.MonthlyRetentionDays": func(t *testing.T, st stageTemplates) {
		checkRetention(t, st, "Monthly", st.cfg.Backup.MonthlyRetentionDays)
	},
	"Backup.CopyRegions": func(t *testing.T, st stageTemplates) {
		region := st.cfg.Backup.CopyRegions[*st.stage.Data.Stack.Region()]
		if !st.cfg.Backup.Enabled || region == "" {
			if st.copy != nil {
				t.Errorf("a backup copy stack without a copy region")
			}
			for name, r := range st.backupRules(t) {
				if r["CopyActions"] != nil {
					t.Errorf("rule %s copies without a copy region", name)
				}
			}
			return
		}
		if st.copy == nil || *st.stage.BackupCopy.Stack.Region() != region {
			t.Fatalf("no backup copy stack in %s", region)
		}
		var name string
		for _, v := range st.copy.ofType("AWS::Backup::BackupVault") {
			name = property(v, "BackupVaultName").(string)
		}
		for rule, r := range st.backupRules(t) {
			copies := listOf(r["CopyActions"])
			if len(copies) != 1 {
				t.Fatalf("rule %s has %d copy actions, want 1", rule, len(copies))
			}
			eq(t, rule+" copy destination", copies[0].(map[string]any)["DestinationBackupVaultArn"],
				"arn:aws:backup:"+region+":"+testAccount+":backup-vault:"+name)
		}
	},
	"Backup.ReplicateUploads": func(t *testing.T, st stageTemplates) {
		var uploads resource
		for id, b := range st.app.ofType("AWS::S3::Bucket") {
			if strings.HasPrefix(id, "Uploads") && !strings.HasPrefix(id, "UploadsAccessLogs") {
				uploads = b
			}
		}
		rules := listOf(property(uploads, "ReplicationConfiguration", "Rules"))
		if !st.cfg.Backup.ReplicateUploads {
			eq(t, "uploads replication rules", len(rules), 0)
			if st.copy != nil {
				count(t, "replica bucket", *st.copy, "AWS::S3::Bucket", 0)
			}
			return
		}
		// One rule to the copy stack's replica, named by a plain string (no
		// reference across regions), delete markers included, encrypted
		// with the replica's key by its alias.
		eq(t, "uploads replication rules", len(rules), 1)
		rule := rules[0].(map[string]any)
		eq(t, "delete marker replication", property(resource{Properties: rule}, "DeleteMarkerReplication", "Status"), "Enabled")
		dest := toString(property(resource{Properties: rule}, "Destination"))
		if strings.Contains(dest, "GetStackOutput") || strings.Contains(dest, "ImportValue") {
			t.Errorf("the replication destination %s refers to another stack", dest)
		}
		if st.copy == nil {
			t.Fatal("replication without a copy stack")
		}
		replicas := 0
		for id, b := range st.copy.ofType("AWS::S3::Bucket") {
			if !strings.HasPrefix(id, "UploadsReplica") || strings.HasPrefix(id, "UploadsReplicaAccessLogs") {
				continue
			}
			replicas++
			// The same fixed name on both sides: the stage's, the account's
			// pseudo parameter or id, the copy region.
			name := toString(property(b, "BucketName"))
			for _, part := range []string{"stratus-" + strings.ToLower(st.cfg.Name) + "-uploads-replica-", "-" + *st.stage.BackupCopy.Stack.Region()} {
				if !strings.Contains(name, part) || !strings.Contains(dest, part) {
					t.Errorf("the replica's name %s and the replication destination %s do not both hold %q", name, dest, part)
				}
			}
			eq(t, "replica versioning", property(b, "VersioningConfiguration", "Status"), "Enabled")
			eq(t, "replica encryption", property(b, "BucketEncryption", "ServerSideEncryptionConfiguration").([]any)[0].(map[string]any)["ServerSideEncryptionByDefault"].(map[string]any)["SSEAlgorithm"], "aws:kms")
			eq(t, "replica old versions", listOf(property(b, "LifecycleConfiguration", "Rules"))[0].(map[string]any)["NoncurrentVersionExpiration"].(map[string]any)["NoncurrentDays"],
				max(30, st.cfg.Backup.DailyRetentionDays))
		}
		eq(t, "replica buckets", replicas, 1)
		for _, a := range st.copy.ofType("AWS::KMS::Alias") {
			if n := property(a, "AliasName"); !strings.Contains(dest, n.(string)) {
				t.Errorf("the replication destination %s does not use the replica's key alias %s", dest, n)
			}
		}
	},
	"Backup.Lock.Mode": func(t *testing.T, st stageTemplates) {
		for _, v := range st.vaults() {
			lock, _ := property(v, "LockConfiguration").(map[string]any)
			if (lock != nil) != (st.cfg.Backup.Lock.Mode != "") {
				t.Errorf("vault %v: LockConfiguration %v with Lock.Mode %q", property(v, "BackupVaultName"), lock, st.cfg.Backup.Lock.Mode)
			}
			if _, changeable := lock["ChangeableForDays"]; changeable != (st.cfg.Backup.Lock.Mode == "compliance") {
				t.Errorf("vault %v: ChangeableForDays set %v with Lock.Mode %q (only compliance has one)", property(v, "BackupVaultName"), changeable, st.cfg.Backup.Lock.Mode)
			}
		}
	},
	"Backup.Lock.MinRetentionDays": func(t *testing.T, st stageTemplates) {
		for _, v := range st.vaults() {
			if st.cfg.Backup.Lock.Mode != "" {
				eq(t, "MinRetentionDays", property(v, "LockConfiguration", "MinRetentionDays"), st.cfg.Backup.Lock.MinRetentionDays)
			}
		}
	},
	"Backup.Lock.MaxRetentionDays": func(t *testing.T, st stageTemplates) {
		for _, v := range st.vaults() {
			if st.cfg.Backup.Lock.Mode != "" {
				eq(t, "MaxRetentionDays", property(v, "LockConfiguration", "MaxRetentionDays"), st.cfg.Backup.Lock.MaxRetentionDays)
			}
		}
	},
	"Backup.Lock.ChangeableForDays": func(t *testing.T, st stageTemplates) {
		for _, v := range st.vaults() {
			if st.cfg.Backup.Lock.Mode == "compliance" {
				eq(t, "ChangeableForDays", property(v, "LockConfiguration", "ChangeableForDays"), st.cfg.Backup.Lock.ChangeableForDays)
			}
		}
	},
	"Api.ThreatProtection": func(t *testing.T, st stageTemplates) {
		pool := st.userPool(t)
		tier, mode := "PLUS", map[string]string{"FULL_FUNCTION": "ENFORCED", "AUDIT_ONLY": "AUDIT"}[string(st.cfg.Api.ThreatProtection)]
		if mode == "" {
			tier = "ESSENTIALS"
		}
		eq(t, "UserPoolTier", pool.Properties["UserPoolTier"], tier)
		if mode == "" {
			eq(t, "UserPoolAddOns", pool.Properties["UserPoolAddOns"], nil)
		} else {
			eq(t, "AdvancedSecurityMode", property(pool, "UserPoolAddOns", "AdvancedSecurityMode"), mode)
		}
	},
	"Api.ThrottleRate": func(t *testing.T, st stageTemplates) {
		_, stage := st.app.one(t, "AWS::ApiGateway::Stage", "Api")
		eq(t, "ThrottlingRateLimit", property(stage, "MethodSettings").([]any)[0].(map[string]any)["ThrottlingRateLimit"], st.cfg.Api.ThrottleRate)
	},
	"Api.Burst": func(t *testing.T, st stageTemplates) {
		_, stage := st.app.one(t, "AWS::ApiGateway::Stage", "Api")
		eq(t, "ThrottlingBurstLimit", property(stage, "MethodSettings").([]any)[0].(map[string]any)["ThrottlingBurstLimit"], st.cfg.Api.Burst)
	},
	"Api.DetailedMetrics": func(t *testing.T, st stageTemplates) {
		_, stage := st.app.one(t, "AWS::ApiGateway::Stage", "Api")
		eq(t, "MetricsEnabled", property(stage, "MethodSettings").([]any)[0].(map[string]any)["MetricsEnabled"], st.cfg.Api.DetailedMetrics)
	},
	"Site.WebAcl": func(t *testing.T, st stageTemplates) {
		eq(t, "distribution has a web ACL", st.distribution(t)["WebACLId"] != nil, st.cfg.Site.WebAcl)
		acls := 0
		if st.edge != nil {
			acls = len(st.edge.ofType("AWS::WAFv2::WebACL"))
		}
		eq(t, "edge web ACLs", acls, map[bool]int{true: 1}[st.cfg.Site.WebAcl])
	},
	"Site.Domain.Name": func(t *testing.T, st stageTemplates) {
		name := st.cfg.Site.Domain.Name
		records := st.aliasRecords()
		url := st.web.Outputs["SiteUrl"]["Value"]
		if name == "" {
			eq(t, "distribution aliases", st.distribution(t)["Aliases"], nil)
			eq(t, "certificates", len(st.certificates()), 0)
			eq(t, "alias records", len(records), 0)
			if !strings.Contains(toString(url), "DomainName") {
				t.Errorf("SiteUrl %s is not the distribution's domain name", toString(url))
			}
			return
		}
		eq(t, "distribution aliases", st.distribution(t)["Aliases"], []string{name})
		eq(t, "SiteUrl", url, "https://"+name)
		certs := st.certificates()
		eq(t, "certificates", len(certs), 1)
		for _, c := range certs {
			eq(t, "certificate DomainName", c.Properties["DomainName"], name)
			eq(t, "certificate ValidationMethod", c.Properties["ValidationMethod"], "DNS")
		}
		for _, typ := range []string{"A", "AAAA"} {
			if len(records[typ]) != 1 {
				t.Fatalf("%d %s records, want 1", len(records[typ]), typ)
			}
			eq(t, typ+" record name", records[typ][0].Properties["Name"], name+".")
			if !strings.Contains(toString(property(records[typ][0], "AliasTarget", "DNSName")), "DomainName") {
				t.Errorf("the %s record does not alias the distribution: %v", typ, records[typ][0].Properties["AliasTarget"])
			}
		}
	},
	"Site.Domain.HostedZoneId": func(t *testing.T, st stageTemplates) {
		id := st.cfg.Site.Domain.HostedZoneId
		if id == "" {
			eq(t, "alias records", len(st.aliasRecords()), 0)
			return
		}
		for typ, list := range st.aliasRecords() {
			for _, r := range list {
				eq(t, typ+" record HostedZoneId", r.Properties["HostedZoneId"], id)
			}
		}
		for _, c := range st.certificates() {
			eq(t, "certificate validation", c.Properties["DomainValidationOptions"],
				[]map[string]string{{"DomainName": st.cfg.Site.Domain.Name, "HostedZoneId": id}})
		}
	},
	"OnCall": func(t *testing.T, st stageTemplates) {
		param, hasParam := st.data.Parameters[stacks.AlarmEmailParameter]
		eq(t, "has the AlarmEmail parameter", hasParam, st.cfg.OnCall)
		var subs []resource
		for _, s := range st.data.ofType("AWS::SNS::Subscription") {
			subs = append(subs, s)
		}
		if !st.cfg.OnCall {
			eq(t, "subscriptions to the alarm topic", len(subs), 0)
			return
		}
		// The tests synthesize without an alarm email: the default is empty.
		eq(t, "AlarmEmail default", param["Default"], "")
		if len(subs) != 1 {
			t.Fatalf("%d subscriptions to the alarm topic, want the email one", len(subs))
		}
		alarmTopic, _ := st.data.one(t, "AWS::SNS::Topic", "AlarmTopic")
		eq(t, "subscription", subs[0].Properties, map[string]any{
			"Protocol": "email", "Endpoint": map[string]string{"Ref": stacks.AlarmEmailParameter},
			"TopicArn": map[string]string{"Ref": alarmTopic},
		})
		if subs[0].Condition == "" || st.data.Conditions[subs[0].Condition] == nil {
			t.Errorf("the subscription has no condition on the address (%q)", subs[0].Condition)
		}
	},
	"Tracing.SampleRatio": func(t *testing.T, st stageTemplates) {
		for _, fn := range []string{"ApiHandler", "Worker", "Outbox"} {
			_, r := st.app.one(t, "AWS::Lambda::Function", fn)
			vars, _ := property(r, "Environment").(map[string]any)["Variables"].(map[string]any)
			eq(t, fn+" OTEL_TRACES_SAMPLER", vars[contract.EnvOTELSampler], "traceidratio")
			eq(t, fn+" OTEL_TRACES_SAMPLER_ARG", vars[contract.EnvOTELSamplerArg], strconv.FormatFloat(st.cfg.Tracing.SampleRatio, 'g', -1, 64))
		}
	},
	"Tracing.CollectorLayer": func(t *testing.T, st stageTemplates) {
		for _, fn := range []string{"ApiHandler", "Worker", "Outbox"} {
			_, r := st.app.one(t, "AWS::Lambda::Function", fn)
			vars, _ := property(r, "Environment").(map[string]any)["Variables"].(map[string]any)
			tracing, _ := property(r, "TracingConfig").(map[string]any)
			eq(t, fn+" TracingConfig.Mode", tracing["Mode"], "Active")
			if st.cfg.Tracing.CollectorLayer == "" {
				eq(t, fn+" Layers", property(r, "Layers"), nil)
				continue
			}
			eq(t, fn+" Layers", property(r, "Layers"), []any{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:901920570463:layer:aws-otel-collector-arm64-ver-" + st.cfg.Tracing.CollectorLayer}})
			eq(t, fn+" OTEL_EXPORTER_OTLP_ENDPOINT", vars[contract.EnvOTLPEndpoint], "http://localhost:4318")
		}
	},
	// The rollout's shape as the App stack's deployment groups deploy it
	// (rolloutShape reads it back from CodeDeploy's configuration).
	"Rollout.Kind": func(t *testing.T, st stageTemplates) {
		eq(t, "rollout kind", rolloutShape(t, st).kind, st.cfg.Rollout.Kind)
	},
	"Rollout.Percent": func(t *testing.T, st stageTemplates) {
		eq(t, "rollout percent", rolloutShape(t, st).percent, st.cfg.Rollout.Percent)
	},
	"Rollout.Interval": func(t *testing.T, st stageTemplates) {
		eq(t, "rollout interval", rolloutShape(t, st).interval, st.cfg.Rollout.Interval)
	},
	"OutboxInterval": func(t *testing.T, st stageTemplates) {
		_, rule := st.app.one(t, "AWS::Events::Rule", "OutboxSchedule")
		eq(t, "outbox schedule", rule.Properties["ScheduleExpression"], rate(st.cfg.OutboxInterval))
	},
}
