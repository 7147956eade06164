package cost

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every price key the rules name is in the table, for every region.
func TestRulesUseKnownKeys(t *testing.T) {
	p := DefaultPrices()
	literal := regexp.MustCompile(`"((?:ec2|vpc|rds|kms|secretsmanager|waf|cloudwatch|cognito|apigateway|lambda|cloudfront|s3|sqs|sns|codepipeline|codebuild|ssm|route53|backup|datatransfer)\.[a-z0-9_.-]*[a-z0-9_-])"`)
	files, _ := filepath.Glob("*.go")
	var keys []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	// The keys the rules build from template values.
	keys = append(keys, "lambda.x86_64.gb-second", "lambda.arm64.gb-second", "cognito.mau.lite", "cognito.mau.essentials",
		"cognito.mau.plus", "codebuild.build_general1_small.minute")
	if len(keys) < 30 {
		t.Fatalf("found only %d keys in the rules: is the pattern stale?", len(keys))
	}
	for _, k := range keys {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			if _, _, ok := p.lookup(k, r); !ok {
				t.Errorf("rule key %q has no %s price", k, r)
			}
		}
	}
}

func TestParsePricesNamesEveryProblem(t *testing.T) {
	_, err := ParsePrices([]byte(`{"asOf": "", "currency": "EUR", "prices": {
		"a": {"unit": "x", "source": "s", "usd": {"eu-west-1": 1, "us-east-1": -1}},
		"b": {"usd": {"eu-west-1": 1}}}}`))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"asOf is empty", `currency "EUR"`, "a: no price for us-east-1", "b: unit and source", "b: no price for us-east-1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if p := DefaultPrices(); p.AsOf == "" || len(p.Regions()) < 2 {
		t.Errorf("the committed table: asOf %q, regions %v", p.AsOf, p.Regions())
	}
}

func TestSchedulesPerMonth(t *testing.T) {
	for expr, want := range map[string]float64{
		"rate(1 minute)":          43800,
		"rate(5 minutes)":         8760,
		"rate(1 hour)":            730,
		"rate(1 day)":             730.0 / 24,
		"cron(0 3 * * ? *)":       730.0 / 24,
		"cron(0/15 * * * ? *)":    4 * 730,
		"cron(0 9 ? * MON-FRI *)": -1, // day names are not understood
	} {
		got, ok := perMonth(expr)
		if want < 0 {
			if ok {
				t.Errorf("%s: %g, want not understood", expr, got)
			}
			continue
		}
		if !ok || got < want-1e-9 || got > want+1e-9 {
			t.Errorf("%s: %g, %v; want %g", expr, got, ok, want)
		}
	}
}

func TestProfileValidateNamesEveryBadValue(t *testing.T) {
	p := DefaultProfile()
	p.MAU, p.NATGB, p.CDNMissRatio = -1, -2, 1.5
	err := p.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"mau=-1", "nat-gb=-2", "cdn-miss=1.5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// writeAssembly writes a one-stack cloud assembly with the given resources.
func writeAssembly(t *testing.T, resources string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {"S": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/us-east-1",
			"properties": {"templateFile": "S.template.json"}}}}`,
		"tree.json":       `{"tree": {"id": "App", "path": "", "children": {}}}`,
		"S.template.json": `{"Resources": {` + resources + `}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const nat = `"Nat": {"Type": "AWS::EC2::NatGateway"}, "Ip": {"Type": "AWS::EC2::EIP"}`

func TestDiffAssembliesShowsWhatChanges(t *testing.T) {
	before := writeAssembly(t, nat+`, "Key": {"Type": "AWS::KMS::Key"}`)
	after := writeAssembly(t, nat+`, "Nat2": {"Type": "AWS::EC2::NatGateway"}, "Thing": {"Type": "AWS::Made::Up"}`)
	var out bytes.Buffer
	if err := DiffAssemblies(&out, before, after, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"S      37.50        69.35       +31.85", // a second NAT (32.85), no key (-1)
		"+ S Nat2 NAT gateway hours [ec2.nat-gateway.hour]: idle 32.85",
		"- S Key customer managed key [kms.key.month]: idle -1.00",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("diff does not say %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := DiffAssemblies(&out, before, before, Options{}); err != nil || out.String() != "no cost change\n" {
		t.Errorf("same assembly: %q, %v", out.String(), err)
	}
}

func TestUnknownTypesAreListedNotZero(t *testing.T) {
	res, err := Estimate(writeAssembly(t, `"Thing": {"Type": "AWS::Made::Up"}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.UnpricedTypes(); len(got) != 1 || got[0] != "AWS::Made::Up" {
		t.Errorf("UnpricedTypes = %v", got)
	}
	if !strings.Contains(res.Markdown(), "`AWS::Made::Up` ×1: no rule for this type") {
		t.Errorf("the README table does not list the unpriced type:\n%s", res.Markdown())
	}
}

func TestRegionsMustBeInTheTable(t *testing.T) {
	dir := writeAssembly(t, nat)
	raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	os.WriteFile(filepath.Join(dir, "manifest.json"), bytes.ReplaceAll(raw, []byte("us-east-1"), []byte("unknown-region")), 0o644)
	if _, err := Estimate(dir, Options{}); err == nil || !strings.Contains(err.Error(), "S is environment-agnostic") {
		t.Errorf("err = %v, want one naming the agnostic stack", err)
	}
	if _, err := Estimate(dir, Options{Region: "ap-south-2"}); err == nil || !strings.Contains(err.Error(), "ap-south-2 is not in the price table") {
		t.Errorf("err = %v, want one naming the uncovered region", err)
	}
	if _, err := Estimate(dir, Options{Region: "eu-west-1"}); err != nil {
		t.Errorf("with -region eu-west-1: %v", err)
	}
}

// An auto-pausing cluster (minimum 0 ACU) at idle: a function connecting on
// a schedule longer than the pause delay wakes the writer on every run for
// the delay and the resume (at 0.5 ACU); one more often than the delay
// keeps it awake all month; none lets it sleep.
func TestAutoPauseCountsWakeUps(t *testing.T) {
	const resources = `
		"Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql",
			"ServerlessV2ScalingConfiguration": {"MinCapacity": 0, "MaxCapacity": 2},
			"VpcSecurityGroupIds": [{"Fn::GetAtt": ["DbSg", "GroupId"]}]}},
		"Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"},
			"DBInstanceClass": "db.serverless", "PromotionTier": 0}},
		"DbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
		"FnSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
		"Ingress": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Fn::GetAtt": ["DbSg", "GroupId"]},
			"SourceSecurityGroupId": {"Fn::GetAtt": ["FnSg", "GroupId"]}, "FromPort": 5432}},
		"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 128,
			"VpcConfig": {"SecurityGroupIds": [{"Fn::GetAtt": ["FnSg", "GroupId"]}]}}}`
	schedule := func(expr string) string {
		return `, "Schedule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "` + expr +
			`", "Targets": [{"Id": "T", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]}}`
	}
	for _, c := range []struct {
		name, extra string
		acuHours    float64 // the writer's at idle
		note        string
	}{
		{"hourly", schedule("rate(1 hour)"), 0.5 * 730 * (300 + 15) / 3600.0,
			"pauses between runs: Fn on rate(1 hour) wakes it 730 times, each time for the 300s auto-pause delay and a 15s resume: 63.9 h awake"},
		{"daily", schedule("rate(1 day)"), 0.5 * 730 / 24 * (300 + 15) / 3600.0, "Fn on rate(1 day) wakes it 30 times"},
		{"every minute", schedule("rate(1 minute)"), 0.5 * 730, "kept awake: Fn connects on rate(1 minute)"},
		{"every five minutes: the wake-ups add up to the month", schedule("rate(5 minutes)"), 0.5 * 730, "the wake-ups overlap"},
		{"no schedule", "", 0, "auto-pause (minimum 0 ACU): 0 ACU-hours idle"},
	} {
		res, err := Estimate(writeAssembly(t, resources+c.extra), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, l := range res.Stacks[0].Lines {
			if l.LogicalID != "Writer" {
				continue
			}
			found = true
			if math.Abs(l.IdleQty-c.acuHours) > 1e-9 || !strings.Contains(l.Note, c.note) {
				t.Errorf("%s: %g ACU-hours idle, note %q; want %g and %q", c.name, l.IdleQty, l.Note, c.acuHours, c.note)
			}
		}
		if !found {
			t.Errorf("%s: no line for the writer", c.name)
		}
	}
}

// Enhanced Monitoring is billed as CloudWatch Logs ingestion, one record of
// EMRecordKB per instance and interval; a stage's detailed metrics as five
// custom metrics per method, only at profile (no traffic, no data).
func TestEnhancedMonitoringAndDetailedMetrics(t *testing.T) {
	const resources = `
		"Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql",
			"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2}}},
		"Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"},
			"DBInstanceClass": "db.serverless", "PromotionTier": 0, "MonitoringInterval": 60}},
		"Reader": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"},
			"DBInstanceClass": "db.serverless", "PromotionTier": 1, "MonitoringInterval": 0}},
		"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
		"Get": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "HttpMethod": "GET"}},
		"Post": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "HttpMethod": "POST"}},
		"Other": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
		"OtherGet": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Other"}, "HttpMethod": "GET"}},
		"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"},
			"MethodSettings": [{"HttpMethod": "*", "ResourcePath": "/*", "MetricsEnabled": true}]}},
		"OtherStage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Other"},
			"MethodSettings": [{"HttpMethod": "*", "ResourcePath": "/*", "MetricsEnabled": false}]}}`
	res, err := Estimate(writeAssembly(t, resources), Options{})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]Line{}
	for _, l := range res.Stacks[0].Lines {
		lines[l.LogicalID+" "+l.PriceKey] = l
	}
	em, ok := lines["Writer cloudwatch.logs.ingest.gb"]
	// 730 h × 60 records an hour × 10 KB = 0.438 GB, idle and at profile.
	if !ok || math.Abs(em.IdleQty-0.438) > 1e-9 || math.Abs(em.ProfileQty-0.438) > 1e-9 || !strings.Contains(em.Note, "every 60s") {
		t.Errorf("writer's Enhanced Monitoring line %+v, want 0.438 GB idle and at profile", em)
	}
	if _, ok := lines["Reader cloudwatch.logs.ingest.gb"]; ok {
		t.Error("an instance with MonitoringInterval 0 is billed for Enhanced Monitoring")
	}
	metrics, ok := lines["Stage cloudwatch.metric.month"]
	if !ok || metrics.IdleQty != 0 || metrics.ProfileQty != 10 {
		t.Errorf("stage's detailed metrics line %+v, want 0 idle and 10 metrics (2 methods × 5) at profile", metrics)
	}
	if _, ok := lines["OtherStage cloudwatch.metric.month"]; ok {
		t.Error("a stage without MetricsEnabled is billed for detailed metrics")
	}
	for _, u := range res.Stacks[0].Unpriced {
		if u.LogicalID == "OtherStage" && !u.Free {
			t.Errorf("a stage without detailed metrics is listed as not priced: %+v", u)
		}
	}
}

// A function exporting its spans with active tracing is billed X-Ray traces, recorded and scanned,
// at its sampling ratio of its invocations; one without the OTEL settings, or with tracing off, is not.
func TestXRayTracesAtTheSamplingRatio(t *testing.T) {
	fn := func(id, mode, ratio string) string {
		return `"` + id + `": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256, "TracingConfig": {"Mode": "` + mode + `"},
			"Environment": {"Variables": {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "` + ratio + `"}}}},
		"` + id + `Schedule": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": "rate(1 minute)",
			"Targets": [{"Id": "T", "Arn": {"Fn::GetAtt": ["` + id + `", "Arn"]}}]}}`
	}
	res, err := Estimate(writeAssembly(t, fn("Sampled", "Active", "0.05")+","+fn("Off", "PassThrough", "1")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Line{}
	for _, l := range res.Stacks[0].Lines {
		got[l.LogicalID+" "+l.Item] = l
	}
	runs := 60 * 730.0 // rate(1 minute) for a month of 730 hours
	rec, ok := got["Sampled X-Ray traces recorded"]
	if !ok || math.Abs(rec.IdleQty-runs*0.05/1e6) > 1e-12 || math.Abs(rec.Idle-runs*0.05/1e6*5) > 1e-9 || !strings.Contains(rec.Note, "5%") {
		t.Errorf("recorded: %+v (found %v), want %g million traces at $5", rec, ok, runs*0.05/1e6)
	}
	if scan, ok := got["Sampled X-Ray traces scanned"]; !ok || math.Abs(scan.Idle-runs*0.05/1e6*0.5) > 1e-9 {
		t.Errorf("scanned: %+v (found %v)", scan, ok)
	}
	for k := range got {
		if strings.HasPrefix(k, "Off X-Ray") {
			t.Errorf("a function with tracing off is billed %s", k)
		}
	}
}
