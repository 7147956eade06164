package eventbus_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/eventbus"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

const hello = "../gofunction/testdata/hello"

// One app for the package: each jsii start costs seconds.
var (
	stdStack    awscdk.Stack // nag: a bus, two subscribers, a publisher
	stdTpl      assertions.Template
	aliasStack  awscdk.Stack // nag: a subscriber whose handler is an alias
	aliasTpl    assertions.Template
	fifoTpl     assertions.Template
	bucketTpl   assertions.Template
	existingTpl assertions.Template
	// roleGrant is GrantPublish to a role (no function, no environment).
	roleGrant awsiam.Grant
	stdBus    *eventbus.EventBus
	audit     *eventbus.Subscriber
	thumbs    *eventbus.Subscriber
)

func fn(scope awscdk.Stack, id string, timeoutSeconds float64) awslambda.Function {
	return gofunction.New(scope, id, &gofunction.Props{
		Entry: jsii.String(hello),
		FunctionOptions: awslambda.FunctionOptions{
			Timeout: awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
		},
	})
}

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ := os.MkdirTemp("", "eventbus-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	// Standard bus, no feature flags, under cdk-nag.
	stdStack = awscdk.NewStack(app, jsii.String("Std"), nil)
	nag.Check(stdStack, nag.AwsSolutions, nag.Serverless)
	stdBus = eventbus.New(stdStack, "Bus", nil)
	audit = stdBus.AddSubscriber("Audit", &eventbus.SubscriberProps{Handler: fn(stdStack, "AuditFn", 10)})
	thumbs = stdBus.AddSubscriber("Thumbnails", &eventbus.SubscriberProps{
		Handler:                   fn(stdStack, "ThumbsFn", 20),
		EventTypes:                *jsii.Strings("upload.created", "upload.deleted"),
		BatchSize:                 jsii.Number(100),
		MaxBatchingWindow:         awscdk.Duration_Seconds(jsii.Number(5)),
		MaxConcurrency:            jsii.Number(5),
		MaxReceiveCount:           jsii.Number(3),
		VisibilityTimeout:         awscdk.Duration_Minutes(jsii.Number(3)),
		OldestMessageAgeThreshold: awscdk.Duration_Minutes(jsii.Number(30)),
	})
	api := fn(stdStack, "ApiFn", 10)
	nag.Suppress(api, nag.NoDLQSynchronous()) // stands in for the API function
	stdBus.GrantPublish(api)
	stdBus.BindPublisher(api)
	roleGrant = stdBus.GrantPublish(awsiam.NewRole(stdStack, str("PublisherRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountRootPrincipal(),
	}))

	// FIFO bus with an imported handler, whose timeout is unknown.
	fifoStack := awscdk.NewStack(app, jsii.String("Fifo"), nil)
	fifoBus := eventbus.New(fifoStack, "Bus", &eventbus.Props{Fifo: jsii.Bool(true)})
	fifoBus.AddSubscriber("Orders", &eventbus.SubscriberProps{
		Handler: awslambda.Function_FromFunctionArn(fifoStack, jsii.String("Worker"),
			jsii.String("arn:aws:lambda:eu-west-1:123456789012:function:worker")),
		BatchSize: jsii.Number(10),
	})

	// Bucket notifications and alarm actions, with aws-cdk-lib's own S3 key
	// statement turned off (it has no condition; the bus warns when it is on).
	bucketStack := awscdk.NewStack(app, jsii.String("Bucket"), nil)
	bucketStack.Node().SetContext(jsii.String("@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions"), false)
	bucketStack.Node().SetContext(jsii.String("@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption"), true)
	alarms := awssns.NewTopic(bucketStack, jsii.String("Alarms"), nil)
	bucketBus := eventbus.New(bucketStack, "Bus", &eventbus.Props{
		AlarmAction: awscloudwatchactions.NewSnsAction(alarms),
	})
	bucketBus.AddSubscriber("Audit", &eventbus.SubscriberProps{Handler: fn(bucketStack, "AuditFn", 10)})
	uploads := awss3.NewBucket(bucketStack, jsii.String("Uploads"), nil)
	bucketBus.AddBucketNotifications(uploads, jsii.String("uploads/"))
	bucketBus.AddBucketNotifications(awss3.NewBucket(bucketStack, jsii.String("Other"), nil), nil)

	// A topic owned elsewhere, handed to publishers under a name of the caller's.
	existingStack := awscdk.NewStack(app, jsii.String("Existing"), nil)
	existingBus := eventbus.New(existingStack, "Bus", &eventbus.Props{
		ExistingTopic: awssns.Topic_FromTopicArn(existingStack, jsii.String("Topic"),
			jsii.String("arn:aws:sns:eu-west-1:123456789012:events")),
		TopicArnEnv: jsii.String("AUDIT_TOPIC_ARN"),
	})
	existingBus.AddSubscriber("Audit", &eventbus.SubscriberProps{Handler: fn(existingStack, "AuditFn", 10)})
	existingBus.BindPublisher(fn(existingStack, "PublisherFn", 10))

	// A handler behind an alias, as a gradual rollout invokes it.
	aliasStack = awscdk.NewStack(app, jsii.String("Alias"), nil)
	nag.Check(aliasStack, nag.AwsSolutions, nag.Serverless)
	aliased := fn(aliasStack, "WorkerFn", 20)
	live := awslambda.NewAlias(aliasStack, jsii.String("Live"), &awslambda.AliasProps{
		AliasName: jsii.String("live"), Version: aliased.CurrentVersion(),
	})
	eventbus.New(aliasStack, "Bus", nil).AddSubscriber("Worker", &eventbus.SubscriberProps{Handler: live})

	app.Synth(nil)
	stdTpl = assertions.Template_FromStack(stdStack, nil)
	aliasTpl = assertions.Template_FromStack(aliasStack, nil)
	fifoTpl = assertions.Template_FromStack(fifoStack, nil)
	bucketTpl = assertions.Template_FromStack(bucketStack, nil)
	existingTpl = assertions.Template_FromStack(existingStack, nil)

	code := m.Run()
	os.RemoveAll(outDir)
	jsii.Close()
	os.Exit(code)
}

// ---- helpers ----

func str(s string) *string { return jsii.String(s) }

func like(p string) assertions.Matcher { return assertions.Match_StringLikeRegexp(str(p)) }

func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tpl.FindResources(str(typ), nil) {
		out[id] = *r
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// logicalID returns the only resource of typ whose logical id starts with prefix.
func logicalID(t *testing.T, tpl assertions.Template, typ, prefix string) string {
	t.Helper()
	var found []string
	for id := range resources(tpl, typ) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s with prefix %s, got %v", typ, prefix, found)
	}
	return found[0]
}

// statements matches an array holding objects like each of objs (nested
// objects inside an arrayWith are otherwise matched exactly).
func statements(objs ...map[string]any) assertions.Matcher {
	l := make([]any, len(objs))
	for i, o := range objs {
		l[i] = assertions.Match_ObjectLike(&o)
	}
	return assertions.Match_ArrayWith(&l)
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// ---- topic, key, queues ----

// One key for the queues, one for the topic (see Props.EncryptionKey).
func TestKeysRotate(t *testing.T) {
	keys := resources(stdTpl, "AWS::KMS::Key")
	if len(keys) != 2 {
		t.Fatalf("got %d keys, want 2", len(keys))
	}
	for id, k := range keys {
		if props(k)["EnableKeyRotation"] != true {
			t.Errorf("key %s: EnableKeyRotation = %v", id, props(k)["EnableKeyRotation"])
		}
	}
	logicalID(t, stdTpl, "AWS::KMS::Key", "BusKey")
	logicalID(t, stdTpl, "AWS::KMS::Key", "BusTopicKey")
}

func TestTopicEncryptedAndSSLOnly(t *testing.T) {
	key := logicalID(t, stdTpl, "AWS::KMS::Key", "BusTopicKey")
	stdTpl.HasResourceProperties(str("AWS::SNS::Topic"), map[string]any{
		"KmsMasterKeyId": getAtt(key, "Arn"),
		"FifoTopic":      assertions.Match_Absent(),
	})
	stdTpl.HasResourceProperties(str("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": statements(map[string]any{
			"Effect":    "Deny",
			"Action":    "sns:Publish",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		})},
	})
}

func TestEveryQueueEncryptedAndSSLOnly(t *testing.T) {
	for name, tpl := range map[string]assertions.Template{"std": stdTpl, "fifo": fifoTpl, "existing": existingTpl} {
		key := logicalID(t, tpl, "AWS::KMS::Key", "BusKey")
		queues := resources(tpl, "AWS::SQS::Queue")
		if len(queues) == 0 {
			t.Fatalf("%s: no queues", name)
		}
		sslOnly := map[string]bool{}
		for _, pol := range resources(tpl, "AWS::SQS::QueuePolicy") {
			p := props(pol)
			denies := false
			for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if s["Effect"] == "Deny" && s["Action"] == "sqs:*" {
					if c, ok := s["Condition"].(map[string]any)["Bool"].(map[string]any); ok && c["aws:SecureTransport"] == "false" {
						denies = true
					}
				}
			}
			if denies {
				for _, q := range p["Queues"].([]any) {
					sslOnly[q.(map[string]any)["Ref"].(string)] = true
				}
			}
		}
		for id, q := range queues {
			if got := props(q)["KmsMasterKeyId"]; got == nil || got.(map[string]any)["Fn::GetAtt"].([]any)[0] != key {
				t.Errorf("%s: queue %s KmsMasterKeyId = %v, want the bus key %s", name, id, got, key)
			}
			if !sslOnly[id] {
				t.Errorf("%s: queue %s has no policy denying requests without TLS", name, id)
			}
		}
	}
}

// ---- subscriptions ----

func TestRawDeliveryFilterAndSubscriptionDLQ(t *testing.T) {
	stdTpl.ResourceCountIs(str("AWS::SNS::Subscription"), jsii.Number(2))
	for _, c := range []struct {
		prefix string
		filter any
	}{
		{"BusAudit", assertions.Match_Absent()},
		{"BusThumbnails", map[string]any{"type": []any{"upload.created", "upload.deleted"}}},
	} {
		queue := logicalID(t, stdTpl, "AWS::SQS::Queue", c.prefix+"Queue")
		dlq := logicalID(t, stdTpl, "AWS::SQS::Queue", c.prefix+"DeadLetterQueue")
		stdTpl.HasResourceProperties(str("AWS::SNS::Subscription"), map[string]any{
			"Protocol":           "sqs",
			"Endpoint":           getAtt(queue, "Arn"),
			"RawMessageDelivery": true,
			"FilterPolicy":       c.filter,
			"RedrivePolicy":      map[string]any{"deadLetterTargetArn": getAtt(dlq, "Arn")},
		})
	}
}

func TestDLQAcceptsUndeliverableMessagesFromTopicOnly(t *testing.T) {
	topic := logicalID(t, stdTpl, "AWS::SNS::Topic", "BusTopic")
	for _, prefix := range []string{"BusAudit", "BusThumbnails"} {
		dlq := logicalID(t, stdTpl, "AWS::SQS::Queue", prefix+"DeadLetterQueue")
		stdTpl.HasResourceProperties(str("AWS::SQS::QueuePolicy"), map[string]any{
			"Queues": []any{map[string]any{"Ref": dlq}},
			"PolicyDocument": map[string]any{"Statement": statements(map[string]any{
				"Effect":    "Allow",
				"Action":    "sqs:SendMessage",
				"Principal": map[string]any{"Service": "sns.amazonaws.com"},
				"Resource":  getAtt(dlq, "Arn"),
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Ref": topic}}},
			})},
		})
	}
}

func TestQueueKeyLetsSNSEncrypt(t *testing.T) {
	for name, tpl := range map[string]assertions.Template{"std": stdTpl, "bucket (flag restrictSqsDescryption)": bucketTpl} {
		key := logicalID(t, tpl, "AWS::KMS::Key", "BusKey")
		tpl.HasResource(str("AWS::KMS::Key"), map[string]any{
			"Properties": map[string]any{"KeyPolicy": map[string]any{"Statement": statements(map[string]any{
				"Effect":    "Allow",
				"Action":    []any{"kms:Decrypt", "kms:GenerateDataKey"},
				"Principal": map[string]any{"Service": "sns.amazonaws.com"},
			})}},
		})
		found := false
		for _, st := range props(resources(tpl, "AWS::KMS::Key")[key])["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			if p, _ := st.(map[string]any)["Principal"].(map[string]any); p != nil && p["Service"] == "sns.amazonaws.com" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: queue key %s does not let sns.amazonaws.com use it", name, key)
		}
	}
}

func TestQueueRedriveAndRetention(t *testing.T) {
	for prefix, receives := range map[string]float64{"BusAudit": eventbus.DefaultMaxReceiveCount, "BusThumbnails": 3} {
		dlq := logicalID(t, stdTpl, "AWS::SQS::Queue", prefix+"DeadLetterQueue")
		stdTpl.HasResourceProperties(str("AWS::SQS::Queue"), map[string]any{
			"RedrivePolicy": map[string]any{"deadLetterTargetArn": getAtt(dlq, "Arn"), "maxReceiveCount": receives},
		})
		if got := props(resources(stdTpl, "AWS::SQS::Queue")[dlq])["MessageRetentionPeriod"]; got != float64(14*24*3600) {
			t.Errorf("%s MessageRetentionPeriod = %v, want 14 days", dlq, got)
		}
	}
}

func TestVisibilityTimeoutIsSixTimesHandlerTimeout(t *testing.T) {
	for prefix, want := range map[string]float64{"BusAuditQueue": 60, "BusThumbnailsQueue": 180} {
		id := logicalID(t, stdTpl, "AWS::SQS::Queue", prefix)
		if got := props(resources(stdTpl, "AWS::SQS::Queue")[id])["VisibilityTimeout"]; got != want {
			t.Errorf("%s VisibilityTimeout = %v, want %v", id, got, want)
		}
	}
	// Imported handler: Lambda's maximum timeout, 15 minutes, times six.
	fifoTpl.HasResourceProperties(str("AWS::SQS::Queue"), map[string]any{
		"VisibilityTimeout": 6 * 900,
		"RedrivePolicy":     assertions.Match_AnyValue(),
	})
}

// ---- consumers ----

func TestEventSourceMappingReportsBatchItemFailures(t *testing.T) {
	stdTpl.ResourceCountIs(str("AWS::Lambda::EventSourceMapping"), jsii.Number(2))
	for _, esm := range resources(stdTpl, "AWS::Lambda::EventSourceMapping") {
		got := props(esm)["FunctionResponseTypes"]
		if l, ok := got.([]any); !ok || len(l) != 1 || l[0] != "ReportBatchItemFailures" {
			t.Errorf("FunctionResponseTypes = %v, want [ReportBatchItemFailures]", got)
		}
	}
	auditQueue := logicalID(t, stdTpl, "AWS::SQS::Queue", "BusAuditQueue")
	thumbsQueue := logicalID(t, stdTpl, "AWS::SQS::Queue", "BusThumbnailsQueue")
	stdTpl.HasResourceProperties(str("AWS::Lambda::EventSourceMapping"), map[string]any{
		"EventSourceArn":                 getAtt(auditQueue, "Arn"),
		"FunctionName":                   map[string]any{"Ref": like("^AuditFn")},
		"BatchSize":                      eventbus.DefaultBatchSize,
		"MaximumBatchingWindowInSeconds": assertions.Match_Absent(),
		"ScalingConfig":                  assertions.Match_Absent(),
	})
	stdTpl.HasResourceProperties(str("AWS::Lambda::EventSourceMapping"), map[string]any{
		"EventSourceArn":                 getAtt(thumbsQueue, "Arn"),
		"FunctionName":                   map[string]any{"Ref": like("^ThumbsFn")},
		"BatchSize":                      100,
		"MaximumBatchingWindowInSeconds": 5,
		"ScalingConfig":                  map[string]any{"MaximumConcurrency": 5},
	})
}

// An alias is what the mapping invokes; the queue's visibility timeout is
// six times the function's behind it, its role may consume, and cdk-nag
// finds the function's DLQ excused as for a plain function.
func TestHandlerBehindAnAlias(t *testing.T) {
	alias := logicalID(t, aliasTpl, "AWS::Lambda::Alias", "Live")
	// CDK names an alias "<function>:<alias>", the function's name cut out
	// of the alias's ARN.
	aliasTpl.HasResourceProperties(str("AWS::Lambda::EventSourceMapping"), map[string]any{
		"FunctionName": map[string]any{"Fn::Join": []any{"", []any{
			map[string]any{"Fn::Select": []any{6, map[string]any{"Fn::Split": []any{":", map[string]any{"Ref": alias}}}}}, ":live"}}},
	})
	aliasTpl.HasResourceProperties(str("AWS::SQS::Queue"), map[string]any{
		"VisibilityTimeout": 6 * 20,
		"RedrivePolicy":     assertions.Match_AnyValue(),
	})
	aliasTpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": like("^WorkerFnRole")}},
		"PolicyDocument": map[string]any{"Statement": statements(map[string]any{
			"Action": assertions.Match_ArrayWith(&[]any{"sqs:ReceiveMessage", "sqs:DeleteMessage"}),
		})},
	})
	if errs := cdktest.NagErrors(aliasStack); len(errs) > 0 {
		t.Errorf("unsuppressed cdk-nag errors:\n%s", strings.Join(errs, "\n"))
	}
}

func TestHandlerMayConsumeBeforeMappingExists(t *testing.T) {
	queue := logicalID(t, stdTpl, "AWS::SQS::Queue", "BusAuditQueue")
	policy := logicalID(t, stdTpl, "AWS::IAM::Policy", "AuditFnRoleDefaultPolicy")
	stdTpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": statements(map[string]any{
			"Action":   assertions.Match_ArrayWith(&[]any{"sqs:ReceiveMessage", "sqs:DeleteMessage"}),
			"Resource": getAtt(queue, "Arn"),
		})},
	})
	stdTpl.HasResource(str("AWS::Lambda::EventSourceMapping"), map[string]any{
		"Properties": map[string]any{"EventSourceArn": getAtt(queue, "Arn")},
		"DependsOn":  assertions.Match_ArrayWith(&[]any{policy}),
	})
}

// ---- alarms and metrics ----

func TestAlarmsPerSubscriber(t *testing.T) {
	stdTpl.ResourceCountIs(str("AWS::CloudWatch::Alarm"), jsii.Number(4))
	for prefix, age := range map[string]float64{"BusAudit": 15 * 60, "BusThumbnails": 30 * 60} {
		dlq := logicalID(t, stdTpl, "AWS::SQS::Queue", prefix+"DeadLetterQueue")
		queue := logicalID(t, stdTpl, "AWS::SQS::Queue", prefix+"Queue")
		stdTpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName":         "ApproximateNumberOfMessagesVisible",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": getAtt(dlq, "QueueName")}},
			"Statistic":          "Maximum",
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
		})
		stdTpl.HasResourceProperties(str("AWS::CloudWatch::Alarm"), map[string]any{
			"MetricName":         "ApproximateAgeOfOldestMessage",
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": getAtt(queue, "QueueName")}},
			"Threshold":          age,
			"ComparisonOperator": "GreaterThanThreshold",
		})
	}
	if len(audit.Alarms) != 2 || len(thumbs.Alarms) != 2 {
		t.Errorf("Alarms: got %d and %d, want 2 each", len(audit.Alarms), len(thumbs.Alarms))
	}
}

func TestAlarmActionOnEveryAlarm(t *testing.T) {
	alarms := resources(bucketTpl, "AWS::CloudWatch::Alarm")
	if len(alarms) != 2 {
		t.Fatalf("got %d alarms, want 2", len(alarms))
	}
	topic := logicalID(t, bucketTpl, "AWS::SNS::Topic", "Alarms")
	for id, a := range alarms {
		acts, _ := props(a)["AlarmActions"].([]any)
		if len(acts) != 1 || acts[0].(map[string]any)["Ref"] != topic {
			t.Errorf("%s AlarmActions = %v, want [Ref %s]", id, acts, topic)
		}
	}
}

func TestMetrics(t *testing.T) {
	for _, c := range []struct {
		name, metric, stat string
		got                interface {
			MetricName() *string
			Statistic() *string
		}
	}{
		{"MetricDlqMessages", "ApproximateNumberOfMessagesVisible", "Maximum", audit.MetricDlqMessages(nil)},
		{"MetricOldestMessageAge", "ApproximateAgeOfOldestMessage", "Maximum", audit.MetricOldestMessageAge(nil)},
		{"MetricBacklog", "ApproximateNumberOfMessagesVisible", "Maximum", audit.MetricBacklog(nil)},
		{"MetricInFlight", "ApproximateNumberOfMessagesNotVisible", "Maximum", audit.MetricInFlight(nil)},
		{"MetricPublished", "NumberOfMessagesPublished", "Sum", stdBus.MetricPublished(nil)},
		{"MetricDeliveryFailures", "NumberOfNotificationsFailed", "Sum", stdBus.MetricDeliveryFailures(nil)},
	} {
		if *c.got.MetricName() != c.metric || *c.got.Statistic() != c.stat {
			t.Errorf("%s = %s/%s, want %s/%s", c.name, *c.got.MetricName(), *c.got.Statistic(), c.metric, c.stat)
		}
	}
}

// What the caller sets in the options wins over each metric's defaults.
func TestMetricOptionsOverrideDefaults(t *testing.T) {
	opts := &awscloudwatch.MetricOptions{Statistic: str("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(15)), Label: str("DLQ")}
	for name, m := range map[string]awscloudwatch.Metric{
		"MetricDlqMessages":      audit.MetricDlqMessages(opts),
		"MetricOldestMessageAge": audit.MetricOldestMessageAge(opts),
		"MetricBacklog":          audit.MetricBacklog(opts),
		"MetricInFlight":         audit.MetricInFlight(opts),
		"MetricPublished":        stdBus.MetricPublished(opts),
		"MetricDeliveryFailures": stdBus.MetricDeliveryFailures(opts),
	} {
		if *m.Statistic() != "Sum" || *m.Period().ToMinutes(nil) != 15 || *m.Label() != "DLQ" {
			t.Errorf("%s: statistic %s, period %v min, label %v; want the options' Sum, 15, DLQ", name, *m.Statistic(), *m.Period().ToMinutes(nil), m.Label())
		}
	}
	if p := audit.MetricBacklog(nil).Period(); *p.ToMinutes(nil) != 1 {
		t.Errorf("MetricBacklog(nil) period %v min, want the default 1", *p.ToMinutes(nil))
	}
}

// ---- publishing ----

// GrantPublish grants and BindPublisher sets the topic's ARN: two calls, so
// the environment lands only on a function that is bound.
func TestGrantPublishAndBindPublisher(t *testing.T) {
	topic := logicalID(t, stdTpl, "AWS::SNS::Topic", "BusTopic")
	key := logicalID(t, stdTpl, "AWS::KMS::Key", "BusTopicKey")
	stdTpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": like("^ApiFnRole")}},
		"PolicyDocument": map[string]any{"Statement": statements(
			map[string]any{"Effect": "Allow", "Action": "sns:Publish", "Resource": map[string]any{"Ref": topic}},
			map[string]any{"Effect": "Allow", "Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Resource": getAtt(key, "Arn")},
		)},
	})
	stdTpl.HasResourceProperties(str("AWS::Lambda::Function"), map[string]any{
		"Role":        getAtt(logicalID(t, stdTpl, "AWS::IAM::Role", "ApiFnRole"), "Arn"),
		"Environment": map[string]any{"Variables": map[string]any{eventbus.DefaultTopicArnEnv: map[string]any{"Ref": topic}}},
	})
}

// Props.TopicArnEnv names the variable BindPublisher sets.
func TestBindPublisherUsesTopicArnEnv(t *testing.T) {
	existingTpl.HasResourceProperties(str("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"AUDIT_TOPIC_ARN":           "arn:aws:sns:eu-west-1:123456789012:events",
			eventbus.DefaultTopicArnEnv: assertions.Match_Absent(),
		}},
	})
	wantAll(t, cdktest.Recover(func() {
		eventbus.New(awscdk.NewStack(awscdk.NewApp(nil), str("V"), nil), "Bus", &eventbus.Props{TopicArnEnv: str("topic-arn")})
	}), `TopicArnEnv "topic-arn": must be a letter followed by letters, digits or _`)
}

// A grant to a role, not a function: the same statements, on the role's
// policy, returned as one successful Grant.
func TestGrantPublishToRole(t *testing.T) {
	topic := logicalID(t, stdTpl, "AWS::SNS::Topic", "BusTopic")
	key := logicalID(t, stdTpl, "AWS::KMS::Key", "BusTopicKey")
	stdTpl.HasResourceProperties(str("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": like("^PublisherRole")}},
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Effect": "Allow", "Action": "sns:Publish", "Resource": map[string]any{"Ref": topic}},
			map[string]any{"Effect": "Allow", "Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Resource": getAtt(key, "Arn")},
		}},
	})
	if !*roleGrant.Success() {
		t.Error("the grant to a role did not succeed")
	}
	if n := len(*roleGrant.PrincipalStatements()); n != 2 {
		t.Errorf("the Grant holds %d principal statements, want 2 (topic and key)", n)
	}
}

// ---- FIFO ----

func TestFifoTopicAndQueues(t *testing.T) {
	fifoTpl.HasResourceProperties(str("AWS::SNS::Topic"), map[string]any{
		"FifoTopic":                 true,
		"ContentBasedDeduplication": assertions.Match_Absent(),
		"TopicName":                 like(`\.fifo$`),
	})
	queues := resources(fifoTpl, "AWS::SQS::Queue")
	if len(queues) != 2 {
		t.Fatalf("got %d queues, want queue and DLQ", len(queues))
	}
	for id, q := range queues {
		p := props(q)
		if p["FifoQueue"] != true || p["ContentBasedDeduplication"] != nil {
			t.Errorf("%s: FifoQueue=%v ContentBasedDeduplication=%v, want true and absent", id, p["FifoQueue"], p["ContentBasedDeduplication"])
		}
	}
	fifoTpl.HasResourceProperties(str("AWS::SNS::Subscription"), map[string]any{
		"RawMessageDelivery": true,
		"RedrivePolicy":      assertions.Match_AnyValue(),
	})
	fifoTpl.HasResourceProperties(str("AWS::Lambda::EventSourceMapping"), map[string]any{
		"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
		"MaximumBatchingWindowInSeconds": assertions.Match_Absent(),
	})
}

// ---- S3 ----

func TestBucketNotificationsReachTopic(t *testing.T) {
	topic := logicalID(t, bucketTpl, "AWS::SNS::Topic", "BusTopic")
	bucketTpl.HasResourceProperties(str("Custom::S3BucketNotifications"), map[string]any{
		"BucketName": map[string]any{"Ref": like("^Uploads")},
		"NotificationConfiguration": map[string]any{"TopicConfigurations": []any{map[string]any{
			"Events":   []any{"s3:ObjectCreated:*"},
			"TopicArn": map[string]any{"Ref": topic},
			"Filter":   map[string]any{"Key": map[string]any{"FilterRules": []any{map[string]any{"Name": "prefix", "Value": "uploads/"}}}},
		}}},
	})
	bucketTpl.HasResourceProperties(str("Custom::S3BucketNotifications"), map[string]any{
		"BucketName": map[string]any{"Ref": like("^Other")},
		// Exact: no Filter without a prefix.
		"NotificationConfiguration": map[string]any{"TopicConfigurations": []any{map[string]any{
			"Events":   []any{"s3:ObjectCreated:*"},
			"TopicArn": map[string]any{"Ref": topic},
		}}},
	})
	bucketTpl.HasResourceProperties(str("AWS::SNS::TopicPolicy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": statements(map[string]any{
			"Effect":    "Allow",
			"Action":    "sns:Publish",
			"Principal": map[string]any{"Service": "s3.amazonaws.com"},
			"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": getAtt(logicalID(t, bucketTpl, "AWS::S3::Bucket", "Uploads"), "Arn")}},
		})},
	})
}

// A KMS-encrypted topic drops S3's events unless its key policy lets S3 use
// the key: the statement must be there exactly once (with the CDK feature
// flag that adds the same statement turned on in this stack).
func TestKeyLetsS3PublishToEncryptedTopic(t *testing.T) {
	for name, tpl := range map[string]assertions.Template{"bucket": bucketTpl} {
		n := 0
		topicKey := logicalID(t, tpl, "AWS::KMS::Key", "BusTopicKey")
		for id, k := range resources(tpl, "AWS::KMS::Key") {
			for _, st := range props(k)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				p, _ := s["Principal"].(map[string]any)
				if p != nil && p["Service"] == "s3.amazonaws.com" {
					n++
					if id != topicKey {
						t.Errorf("%s: S3 statement on key %s, want the topic's key %s", name, id, topicKey)
					}
					acts, _ := s["Action"].([]any)
					if s["Effect"] != "Allow" || len(acts) != 2 || s["Resource"] != "*" ||
						!(contains(acts, "kms:GenerateDataKey") && contains(acts, "kms:Decrypt")) {
						t.Errorf("%s: S3 key statement = %v", name, s)
					}
					// Only this account's buckets (no confused deputy).
					if c, _ := s["Condition"].(map[string]any)["StringEquals"].(map[string]any); c == nil || c["aws:SourceAccount"] == nil {
						t.Errorf("%s: S3 key statement without an aws:SourceAccount condition: %v", name, s)
					}
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d key policy statements for s3.amazonaws.com, want 1", name, n)
		}
	}
	// With aws-cdk-lib's flag on, its unconditioned statement would sit beside the bus's: a warning.
	flagged := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Flagged"), nil)
	flagged.Node().SetContext(jsii.String("@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions"), true)
	eventbus.New(flagged, "Bus", nil).AddBucketNotifications(awss3.NewBucket(flagged, jsii.String("B"), nil), nil)
	assertions.Annotations_FromStack(flagged).HasWarning(str("*"), assertions.Match_StringLikeRegexp(str("adds a key statement for s3.amazonaws.com without any condition")))
	// No bucket, no S3 statement.
	stdTpl.HasResourceProperties(str("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_Not(statements(
			map[string]any{"Principal": map[string]any{"Service": "s3.amazonaws.com"}},
		))},
	})
}

func contains(l []any, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// ---- existing topic ----

func TestExistingTopic(t *testing.T) {
	existingTpl.ResourceCountIs(str("AWS::SNS::Topic"), jsii.Number(0))
	existingTpl.ResourceCountIs(str("AWS::KMS::Key"), jsii.Number(1))
	existingTpl.HasResourceProperties(str("AWS::SNS::Subscription"), map[string]any{
		"TopicArn":           "arn:aws:sns:eu-west-1:123456789012:events",
		"RawMessageDelivery": true,
	})
}

// ---- cdk-nag ----

func TestNagCleanWithTwoSubscribers(t *testing.T) {
	if errs := cdktest.NagErrors(stdStack); len(errs) > 0 {
		t.Errorf("unsuppressed cdk-nag errors:\n%s", strings.Join(errs, "\n"))
	}
}

// ---- validation ----

func wantAll(t *testing.T, msg string, parts ...string) {
	t.Helper()
	if msg == "" {
		t.Fatal("no panic")
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("panic message lacks %q:\n%s", p, msg)
		}
	}
}

func TestValidationBusFifoMismatch(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), str("V"), nil)
	std := awssns.Topic_FromTopicArn(stack, str("Std"), str("arn:aws:sns:eu-west-1:123456789012:events"))
	fifo := awssns.Topic_FromTopicArn(stack, str("Fifo"), str("arn:aws:sns:eu-west-1:123456789012:events.fifo"))

	msg := cdktest.Recover(func() {
		eventbus.New(stack, "A", &eventbus.Props{Fifo: jsii.Bool(true), ExistingTopic: std, ContentBasedDeduplication: jsii.Bool(true)})
	})
	wantAll(t, msg, "eventbus.New V/A: invalid props", "Fifo true: ExistingTopic \"arn:aws:sns:eu-west-1:123456789012:events\" is a standard topic",
		"ContentBasedDeduplication true: configures only a topic the bus creates")

	wantAll(t, cdktest.Recover(func() {
		eventbus.New(stack, "B", &eventbus.Props{Fifo: jsii.Bool(false), ExistingTopic: fifo})
	}), "Fifo false: ExistingTopic \"arn:aws:sns:eu-west-1:123456789012:events.fifo\" is a FIFO topic")

	wantAll(t, cdktest.Recover(func() {
		eventbus.New(stack, "C", &eventbus.Props{ContentBasedDeduplication: jsii.Bool(true)})
	}), "ContentBasedDeduplication true: the bus is not FIFO")

	// Fifo left unset follows the existing topic.
	if b := eventbus.New(stack, "D", &eventbus.Props{ExistingTopic: fifo}); !b.Fifo() {
		t.Error("a bus on an existing FIFO topic is not FIFO")
	}
	wantAll(t, cdktest.Recover(func() {
		eventbus.New(stack, "E", &eventbus.Props{ExistingTopic: fifo}).AddBucketNotifications(awss3.NewBucket(stack, str("B"), nil), nil)
	}), "eventbus.AddBucketNotifications V/E: invalid props", "Fifo true: S3 event notifications cannot target a FIFO topic")
}

func TestValidationSubscriberNamesEveryProblem(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), str("V"), nil)
	handler := fn(stack, "Fn", 30)
	bus := eventbus.New(stack, "Bus", nil)
	msg := cdktest.Recover(func() {
		bus.AddSubscriber("Bad", &eventbus.SubscriberProps{
			Handler:           handler,
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(60)),
			MaxReceiveCount:   jsii.Number(0),
			BatchSize:         jsii.Number(20),
			MaxConcurrency:    jsii.Number(1),
			EventTypes:        []*string{},
		})
	})
	wantAll(t, msg, "eventbus.AddSubscriber V/Bus/Bad: invalid props",
		"VisibilityTimeout 1 minute: below six times the handler's timeout (6 × 30s = 180s)",
		"MaxReceiveCount 0: out of range",
		"BatchSize 20: above 10: set MaxBatchingWindow to at least 1 second (got (unset))",
		"MaxConcurrency 1: out of range",
		"EventTypes []: empty")

	wantAll(t, cdktest.Recover(func() {
		bus.AddSubscriber("Big", &eventbus.SubscriberProps{
			Handler:           handler,
			BatchSize:         jsii.Number(20000),
			MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(301)),
			MaxReceiveCount:   jsii.Number(1001),
			MaxConcurrency:    jsii.Number(1001),
		})
	}), "BatchSize 20000: above 10000", "MaxBatchingWindow 5 minutes 1 second: out of range", "MaxReceiveCount 1001: out of range",
		"MaxConcurrency 1001: out of range")

	wantAll(t, cdktest.Recover(func() { bus.AddSubscriber("None", nil) }), "Handler (unset): required")

	// Valid edge values pass.
	if msg := cdktest.Recover(func() {
		bus.AddSubscriber("Edge", &eventbus.SubscriberProps{
			Handler:           handler,
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(180)),
			MaxReceiveCount:   jsii.Number(1),
			BatchSize:         jsii.Number(10000),
			MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(1)),
			MaxConcurrency:    jsii.Number(2),
		})
	}); msg != "" {
		t.Errorf("edge values rejected: %s", msg)
	}
}

func TestValidationFifoSubscriber(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), str("V"), nil)
	bus := eventbus.New(stack, "Bus", &eventbus.Props{Fifo: jsii.Bool(true)})
	msg := cdktest.Recover(func() {
		bus.AddSubscriber("Orders", &eventbus.SubscriberProps{
			Handler:           fn(stack, "Fn", 10),
			BatchSize:         jsii.Number(11),
			MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(10)),
		})
	})
	wantAll(t, msg, "BatchSize 11: above 10, the most Lambda takes from a FIFO queue",
		"MaxBatchingWindow 10 seconds: set but the bus is FIFO")
}
