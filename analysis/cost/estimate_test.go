package cost_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/analysis/cost"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

var smallAssembly string // the cloud assembly of smallStack

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	cdktest.FastSynth()
	defer jsii.Close()
	dir, err := os.MkdirTemp("", "cost-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	smallStack(app)
	smallAssembly = *app.Synth(nil).Directory()
	return m.Run()
}

// smallStack is a stack whose monthly cost TestSmallStackCostsWhatTheHandSumSays
// computes by hand.
func smallStack(app awscdk.App) {
	s := awscdk.NewStack(app, jsii.String("Small"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	awsec2.NewVpc(s, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(1), NatGateways: jsii.Number(1)})
	awskms.NewKey(s, jsii.String("Key"), nil)

	queue := awssqs.NewQueue(s, jsii.String("Queue"), nil)
	topic := awssns.NewTopic(s, jsii.String("Topic"), nil)
	topic.AddSubscription(awssnssubscriptions.NewSqsSubscription(queue, nil))
	worker := awslambda.NewFunction(s, jsii.String("Worker"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code:         awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
		Architecture: awslambda.Architecture_ARM_64(), MemorySize: jsii.Number(512),
	})
	worker.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, nil))

	api := awslambda.NewFunction(s, jsii.String("Api"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
	})
	topic.GrantPublish(api)
	awsapigateway.NewLambdaRestApi(s, jsii.String("Rest"), &awsapigateway.LambdaRestApiProps{Handler: api, CloudWatchRole: jsii.Bool(false)})

	metric := queue.MetricApproximateAgeOfOldestMessage(nil)
	metric.CreateAlarm(s, jsii.String("Standard"), &awscloudwatch.CreateAlarmOptions{Threshold: jsii.Number(60), EvaluationPeriods: jsii.Number(1)})
	queue.MetricNumberOfMessagesSent(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Seconds(jsii.Number(10))}).
		CreateAlarm(s, jsii.String("HighRes"), &awscloudwatch.CreateAlarmOptions{Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1)})
	awscloudwatch.NewDashboard(s, jsii.String("Dashboard"), nil)
	awscognito.NewUserPool(s, jsii.String("Users"), &awscognito.UserPoolProps{FeaturePlan: awscognito.FeaturePlan_ESSENTIALS})
}

// The small stack in eu-west-1 at the default profile, by hand:
//
//	idle                                            USD/month
//	NAT gateway        730 h × 0.048                   35.04
//	its Elastic IP     730 h × 0.005                    3.65
//	KMS key            1 × 1.00                         1.00
//	SQS polling        5 pollers × 730 h × 180 polls
//	                   = 657,000 requests × 0.40/M      0.2628
//	alarms             0.10 standard + 0.30 high-res    0.40
//	dashboard                                           3.00
//	                                            total  43.3528
//
//	at profile: idle, plus
//	NAT data           10 GB × 0.048                    0.48
//	SQS messages       100,000 events × 3 × 0.40/M      0.12
//	worker             100,000 × 0.20/M = 0.02; 100,000 × 0.5 GB × 0.1 s
//	                   = 5,000 GB-s × 0.0000133334 (arm64)    0.02 + 0.066667
//	SNS publishes      100,000 × 0.50/M                 0.05
//	api                1M × 0.20/M = 0.20; 1M × 0.125 GB × 0.1 s
//	                   = 12,500 GB-s × 0.0000166667 (x86_64)  0.20 + 0.20833375
//	REST API           1M × 3.50/M                      3.50
//	Cognito            1,000 MAU × 0.015 (Essentials)  15.00
//	                                            total  62.99780075
func TestSmallStackCostsWhatTheHandSumSays(t *testing.T) {
	res, err := cost.Estimate(smallAssembly, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Stacks) != 1 || res.Stacks[0].Region != "eu-west-1" {
		t.Fatalf("stacks = %+v, want Small in eu-west-1", res.Stacks)
	}
	s := res.Stacks[0]
	if math.Abs(s.Idle-43.3528) > 1e-6 || math.Abs(s.Profile-62.99780075) > 1e-6 {
		var b strings.Builder
		res.WriteText(&b, true)
		t.Errorf("idle %.8f, at profile %.8f; want 43.3528 and 62.99780075\n%s", s.Idle, s.Profile, b.String())
	}
	if types := res.UnpricedTypes(); len(types) > 0 {
		t.Errorf("types with no rule: %v", types)
	}
}

// Every priced line names a resource of the template and an entry of the
// table, with the table's unit and price.
func TestLinesAreTraceable(t *testing.T) {
	res, err := cost.Estimate(smallAssembly, cost.Options{})
	if err != nil {
		t.Fatal(err)
	}
	prices := cost.DefaultPrices()
	for _, l := range res.Stacks[0].Lines {
		p, ok := prices.Prices[l.PriceKey]
		if !ok || p.Unit != l.Unit || p.USD["eu-west-1"] != l.UnitPrice {
			t.Errorf("%s %s: key %q unit %q price %g do not match the table", l.LogicalID, l.Item, l.PriceKey, l.Unit, l.UnitPrice)
		}
		if l.LogicalID == "" || l.Type == "" {
			t.Errorf("line %+v names no resource", l)
		}
	}
}

func TestProfileFlagsChangeTheFigures(t *testing.T) {
	p := cost.DefaultProfile()
	p.MAU = 0
	res, err := cost.Estimate(smallAssembly, cost.Options{Profile: &p})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Stacks[0].Profile; math.Abs(got-(62.99780075-15)) > 1e-6 {
		t.Errorf("at profile with mau=0: %.8f, want 15 USD less than the default", got)
	}
}
