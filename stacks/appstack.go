package stacks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/eventbus"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// AppStack is the application: its four functions, the API, the event bus,
// the uploads bucket, configuration and the stage's dashboard.
type AppStack struct {
	awscdk.Stack
	Api                   *apiwithauth.ApiWithAuth
	Bus                   *eventbus.EventBus
	Uploads               awss3.Bucket
	ApiFn, Worker, Outbox awslambda.Function
	Config                awsssm.StringParameter
	// Alarms is the stage's alarm topic (held by the data stack).
	Alarms awssns.ITopic
	// LogsKey encrypts the stage's log groups (held by the data stack).
	LogsKey awskms.IKey
	// ApiRollout and WorkerRollout are the functions' aliases and CodeDeploy
	// groups; nil when the stage's Rollout is AllAtOnce.
	ApiRollout, WorkerRollout *FunctionRollout
	// OriginSecret is the header value CloudFront adds on its way to the API
	// and the API's web ACL requires; nil unless both the API and the site
	// have a web ACL.
	OriginSecret awssecretsmanager.Secret
}

// NewAppStack creates the app stack of cfg on top of its data stack.
func NewAppStack(scope constructs.Construct, cfg Config, data *DataStack) *AppStack {
	stack := awscdk.NewStack(scope, jsii.String("App"), &awscdk.StackProps{
		Description: jsii.String("Stratus " + cfg.Name + ": API, functions, event bus, uploads, dashboard"),
	})
	s := &AppStack{Stack: stack, Alarms: data.Alarms, LogsKey: data.LogsKey}
	s.Uploads = newUploadsBucket(stack, cfg)
	if data.Backups != nil {
		backUpUploads(stack, data.Backups, s.Uploads)
		if r := data.Backups.ReplicaRegion; r != "" {
			replicateUploads(stack, cfg, s.Uploads, r)
		}
	}
	s.Config = awsssm.NewStringParameter(stack, jsii.String("AppConfig"), &awsssm.StringParameterProps{
		Description: jsii.String("Stratus " + cfg.Name + " application settings, read once per cold start"),
		StringValue: jsii.String(defaultAppSettings()),
	})
	s.Bus = eventbus.New(stack, "Events", &eventbus.Props{TopicArnEnv: jsii.String(contract.EnvEventTopicArn)})
	if cfg.Api.WebAcl && cfg.Site.WebAcl {
		s.OriginSecret = newOriginSecret(stack, cfg)
	}

	s.ApiFn = s.newFunction(cfg, data, "ApiHandler", contract.API().Entry(), "Items API (API Gateway proxy integration)")
	s.Config.GrantRead(s.ApiFn)
	s.ApiFn.AddEnvironment(jsii.String(contract.EnvAppConfigParam), s.Config.ParameterName(), nil)
	s.ApiFn.AddEnvironment(jsii.String(contract.EnvUploadsBucket), s.Uploads.BucketName(), nil)
	s.Uploads.GrantPut(s.ApiFn, jsii.String(contract.AttachmentsPrefix+"*"))
	s.suppressUploadGrant(s.ApiFn, "presigns PUTs of attachments (the presigned URL carries the function's permission)", "Action::s3:Abort*")
	s.Bus.GrantPublish(s.ApiFn)
	s.Bus.BindPublisher(s.ApiFn)
	// Its Serverless-LambdaDLQ finding is excused by apiwithauth, which
	// invokes it synchronously.

	s.Worker = s.newFunction(cfg, data, "Worker", contract.Worker().Entry(), "Turns events into the activity feed and checks uploads (SQS consumer)")
	s.Worker.AddEnvironment(jsii.String(contract.EnvUploadsBucket), s.Uploads.BucketName(), nil)
	s.Uploads.GrantRead(s.Worker, jsii.String(contract.AttachmentsPrefix+"*"))
	s.suppressUploadGrant(s.Worker, "checks uploaded attachments (HeadObject; ListBucket makes a missing one a 404)",
		"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*")
	apiTarget, workerTarget := awslambda.IFunction(s.ApiFn), awslambda.IFunction(s.Worker)
	if cfg.Rollout.Kind != AllAtOnce {
		s.ApiRollout = newRollout(stack, "ApiHandlerRollout", s.ApiFn)
		s.WorkerRollout = newRollout(stack, "WorkerRollout", s.Worker)
		apiTarget, workerTarget = s.ApiRollout.Alias, s.WorkerRollout.Alias
	}
	worker := s.Bus.AddSubscriber("Worker", &eventbus.SubscriberProps{Handler: workerTarget})
	// The queues hold events nobody else keeps: published but not yet
	// processed, or failed and waiting for a redrive. In Prod they outlive
	// a stack deletion or a replacement like the other stateful resources.
	worker.Queue.ApplyRemovalPolicy(cfg.RemovalPolicy)
	worker.DeadLetterQueue.ApplyRemovalPolicy(cfg.RemovalPolicy)
	s.Bus.AddBucketNotifications(s.Uploads, jsii.String(contract.AttachmentsPrefix))

	s.Outbox = s.newFunction(cfg, data, "Outbox", contract.Outbox().Entry(), "Publishes events whose publish after commit failed ("+every(cfg.OutboxInterval)+")")
	s.Bus.GrantPublish(s.Outbox)
	s.Bus.BindPublisher(s.Outbox)
	s.scheduleOutbox(cfg)

	s.Api = apiwithauth.New(stack, "Api", &apiwithauth.Props{
		Routes: apiRoutes(apiTarget),
		Mfa:    cfg.Api.Mfa,
		Email:  poolEmail(stack, cfg.Api.Mail),
		// The web app signs users up itself and signs in through Cognito's
		// JSON API (USER_PASSWORD_AUTH), the same path as the local stack.
		SelfSignUp:           jsii.Bool(true),
		PasswordAuth:         jsii.Bool(true),
		DeletionProtection:   jsii.Bool(cfg.Production),
		RemovalPolicy:        cfg.RemovalPolicy,
		WebAcl:               jsii.Bool(cfg.Api.WebAcl),
		ThreatProtection:     cfg.Api.ThreatProtection,
		ThrottlingRateLimit:  jsii.Number(cfg.Api.ThrottleRate),
		ThrottlingBurstLimit: jsii.Number(cfg.Api.Burst),
		MetricsEnabled:       jsii.Bool(cfg.Api.DetailedMetrics),
		LogRetention:         cfg.LogRetention,
		LogEncryptionKey:     data.LogsKey,
		OriginSecret:         s.OriginSecret,
	})
	for _, a := range s.Api.Alarms {
		alarmTo(a, data.Alarms)
	}
	for _, sub := range s.Bus.Subscribers {
		for _, a := range sub.Alarms {
			alarmTo(a, data.Alarms)
		}
	}
	if s.ApiRollout != nil {
		s.deployGradually(cfg)
	}
	s.newDashboard(cfg, data)
	suppressCDKSingletons(stack)
	return s
}

// deployGradually gives the API and the worker their CodeDeploy groups, in
// one application, with the stage's rollout shape: the API's rolls back on
// the API's 5XX alarm too. Their alarms page like every other.
func (s *AppStack) deployGradually(cfg Config) {
	app := awscodedeploy.NewLambdaApplication(s.Stack, jsii.String("Deployments"), nil)
	config := deploymentConfig(s.Stack, cfg.Rollout)
	s.ApiRollout.deploy(app, config, s.Api.ServerErrorsAlarm)
	s.WorkerRollout.deploy(app, config)
	for _, r := range []*FunctionRollout{s.ApiRollout, s.WorkerRollout} {
		for _, a := range r.Alarms {
			alarmTo(a, s.Alarms)
		}
	}
}

// newFunction builds one of the app's Go functions: in the database's VPC
// with HTTPS out (functionEgress), allowed (GrantConnect) and able (Bind)
// to connect as AppDBUser, logging to a log group encrypted with the
// stage's key.
func (s *AppStack) newFunction(cfg Config, data *DataStack, id, entry, description string) awslambda.Function {
	env := map[string]*string{contract.EnvStage: jsii.String(cfg.Name)}
	for k, v := range tracingEnv(cfg, entry) {
		env[k] = jsii.String(v)
	}
	var collector *string
	if cfg.Tracing.CollectorLayer != "" {
		collector = jsii.String(cfg.Tracing.CollectorLayer)
	}
	fn := gofunction.New(s.Stack, id, &gofunction.Props{
		Entry:            jsii.String(entry),
		LogEncryptionKey: data.LogsKey,
		Egress:           functionEgress(),
		CollectorLayer:   collector,
		FunctionOptions: awslambda.FunctionOptions{
			Description:      jsii.String(description),
			Vpc:              data.DB.Vpc,
			VpcSubnets:       data.DB.FunctionSubnets(),
			LogRetention:     cfg.LogRetention,
			LogRemovalPolicy: cfg.RemovalPolicy,
			Environment:      &env,
		},
	})
	data.DB.GrantConnect(fn, AppDBUser)
	data.DB.Bind(fn, AppDBUser)
	return fn
}

// tracingEnv is the OpenTelemetry settings of the function built from entry
// (contract.Tracing): its service name (the folder under lambdas/), the
// stage's sampling, and the ADOT collector extension's OTLP/HTTP endpoint
// when the stage has the collector.
func tracingEnv(cfg Config, entry string) map[string]string {
	env := map[string]string{
		contract.EnvOTELServiceName: strings.TrimPrefix(entry, "./lambdas/"),
		contract.EnvOTELSampler:     "traceidratio",
		contract.EnvOTELSamplerArg:  strconv.FormatFloat(cfg.Tracing.SampleRatio, 'g', -1, 64),
	}
	if cfg.Tracing.CollectorLayer != "" {
		env[contract.EnvOTLPEndpoint] = "http://localhost:4318"
	}
	return env
}

// suppressUploadGrant excuses cdk-nag's AwsSolutions-IAM5 findings of
// aws-cdk-lib's grant on the uploads bucket, which the grant already scopes
// to the attachments prefix: the keys under it are made per upload, and the
// action wildcards are aws-cdk-lib's own groups. Only those findings, on
// fn's role; anything else it is granted later is still reported.
func (s *AppStack) suppressUploadGrant(fn awslambda.Function, why string, actions ...string) {
	bucketID := fmt.Sprint(s.Stack.Resolve(s.Stack.GetLogicalId(s.Uploads.Node().DefaultChild().(awscdk.CfnElement))))
	nag.Suppress(fn.Role(), nag.Rule("AwsSolutions-IAM5",
		"The function "+why+": any key under "+contract.AttachmentsPrefix+" (one per attachment), with aws-cdk-lib's grant action groups.",
		append(actions, "Resource::<"+bucketID+".Arn>/"+contract.AttachmentsPrefix+"*")...))
}

// scheduleOutbox runs the outbox every cfg.OutboxInterval. EventBridge
// invokes it asynchronously: two retries, then the event goes to a
// dead-letter queue.
func (s *AppStack) scheduleOutbox(cfg Config) {
	dlq := newRuleDLQ(s.Stack, "OutboxScheduleDLQ", cfg, "the outbox schedule's target: "+
		"the end of the line, kept 14 days; a missed run is redone by the next one.")
	rule := awsevents.NewRule(s.Stack, jsii.String("OutboxSchedule"), &awsevents.RuleProps{
		Description: jsii.String("Runs the outbox publisher " + every(cfg.OutboxInterval)),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(cfg.OutboxInterval.Minutes()))),
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(s.Outbox, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		RetryAttempts:   jsii.Number(2),
		MaxEventAge:     awscdk.Duration_Minutes(jsii.Number(5)),
	}))
	// A missed run is harmless (the next one picks the rows up); failures
	// show in the function's error metric and the schedule's DLQ.
	nag.Suppress(s.Outbox, nag.NoDLQTargetHasDLQ())
}

// newRuleDLQ is the dead-letter queue of an EventBridge rule's target, kept
// 14 days; of completes the suppressions' reason ("…dead-letter queue of ").
func newRuleDLQ(stack awscdk.Stack, id string, cfg Config, of string) awssqs.Queue {
	dlq := awssqs.NewQueue(stack, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	dlq.ApplyRemovalPolicy(cfg.RemovalPolicy)
	nag.Suppress(dlq,
		nag.Rule("AwsSolutions-SQS3", "This queue is itself a dead-letter queue."),
		nag.Rule("Serverless-SQSRedrivePolicy", "This queue is itself the dead-letter queue of "+of))
	return dlq
}

// every says how often d is, in words: "every minute", "every 5 minutes",
// "every hour", "every 2 hours".
func every(d time.Duration) string {
	unit, n := "minute", d.Minutes()
	if d%time.Hour == 0 {
		unit, n = "hour", d.Hours()
	}
	if n == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %g %ss", n, unit)
}

// noncurrentVersionDays is how long the uploads bucket keeps an object's
// overwritten or deleted versions: 30 days, or as long as the daily backups
// where there are any, so a point-in-time restore (continuous backup) finds
// every version of its window in the bucket too.
func noncurrentVersionDays(cfg Config) int {
	if cfg.Backup.Enabled {
		return max(30, cfg.Backup.DailyRetentionDays)
	}
	return 30
}

// newUploadsBucket holds attachments, uploaded by browsers through
// presigned PUT URLs.
func newUploadsBucket(stack awscdk.Stack, cfg Config) awss3.Bucket {
	destroy := cfg.RemovalPolicy == awscdk.RemovalPolicy_DESTROY
	logs := secure.AccessLogsBucket(stack, "UploadsAccessLogs", secure.AccessLogsProps{
		Expiration:        awscdk.Duration_Days(jsii.Number(90)),
		RemovalPolicy:     cfg.RemovalPolicy,
		AutoDeleteObjects: jsii.Bool(destroy),
	})
	return secure.Bucket(stack, "Uploads", awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		RemovalPolicy:          cfg.RemovalPolicy,
		AutoDeleteObjects:      jsii.Bool(destroy),
		// The presigned URL is the credential; CORS only lets the browser
		// send the PUT. The site's origin is not known to this stack (the
		// web stack depends on it), and CORS protects nothing for writes.
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: jsii.Strings("*"),
			AllowedHeaders: jsii.Strings("Content-Type", "Content-Length"),
			MaxAge:         jsii.Number(3600),
		}},
		LifecycleRules: &[]*awss3.LifecycleRule{{
			// Uploads that never completed leave parts behind.
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(noncurrentVersionDays(cfg)))),
		}},
	})
}

// newDashboard composes the constructs' metrics into one view of the stage.
func (s *AppStack) newDashboard(cfg Config, data *DataStack) {
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(8),
		})
	}
	worker := s.Bus.Subscribers[0]
	awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				graph("API requests and errors", s.Api.MetricCount(nil), s.Api.MetricClientErrors(nil), s.Api.MetricServerErrors(nil)),
				graph("API latency (ms)", s.Api.MetricLatency(nil)),
				graph("Function errors", s.ApiFn.MetricErrors(nil), s.Worker.MetricErrors(nil), s.Outbox.MetricErrors(nil)),
			},
			{
				graph("Events published / failed deliveries", s.Bus.MetricPublished(nil), s.Bus.MetricDeliveryFailures(nil)),
				graph("Worker queue: backlog, oldest (s), DLQ", worker.MetricBacklog(nil), worker.MetricOldestMessageAge(nil), worker.MetricDlqMessages(nil)),
				graph("Function duration (ms)", s.ApiFn.MetricDuration(nil), s.Worker.MetricDuration(nil)),
			},
			{
				graph("Database capacity (ACU)", data.DB.MetricACU(nil)),
				graph("Database CPU (%)", data.DB.MetricCPU(nil)),
				graph("Database connections", data.DB.MetricConnections(nil)),
			},
		},
	})
}

// suppressCDKSingletons excuses the functions CDK itself adds to the stack
// (S3 bucket notifications, auto-delete objects), whose construct paths
// change between CDK versions: only for the managed policy and runtime
// findings they produce.
func suppressCDKSingletons(stack awscdk.Stack) {
	nag.SuppressStack(stack,
		nag.Rule("AwsSolutions-IAM4",
			"CDK's own singleton functions (bucket notifications, auto-delete objects) use the AWS managed basic execution role.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
	)
}

// defaultAppSettings is the settings parameter's initial value: the
// contract's default attachment limits, which the api reads at cold start.
func defaultAppSettings() string {
	types := contract.DefaultAllowedContentTypes()
	for i, t := range types {
		types[i] = strconv.Quote(t)
	}
	return fmt.Sprintf(`{"maxAttachmentBytes": %d, "allowedContentTypes": [%s]}`,
		contract.DefaultMaxAttachmentBytes, strings.Join(types, ", "))
}

// MailFromParameter is the logical id of the CloudFormation parameter that
// holds the user pool's sender address in a stage that mails through SES.
const MailFromParameter = "MailFrom"

// poolEmail is how the user pool sends its mail: through SES from the
// address in the MailFrom parameter when mail.SES, else Cognito's own
// sender (nil). The address is never in the repository: the parameter's
// default is the mailFrom setting of the synth, and without one the
// parameter has none, so CloudFormation refuses a deploy that does not give
// it rather than fall back to Cognito's testing quota. CDK Pipelines passes
// no parameter values: a pipeline-deployed stage needs the setting.
func poolEmail(stack awscdk.Stack, mail MailConfig) awscognito.UserPoolEmail {
	if !mail.SES {
		return nil
	}
	props := &awscdk.CfnParameterProps{
		Type: jsii.String("String"),
		Description: jsii.String("Sender of the user pool's mail (sign-up and password-reset codes): an address verified as an " +
			"Amazon SES identity in this region. Default: the mailFrom setting of the synth."),
		AllowedPattern:        jsii.String(`^[^@\s]+@[^@\s]+\.[^@\s]+$`),
		ConstraintDescription: jsii.String("must be an email address verified in Amazon SES"),
	}
	if mail.From != "" {
		props.Default = jsii.String(mail.From)
	}
	from := awscdk.NewCfnParameter(stack, jsii.String(MailFromParameter), props)
	// The identity is in the stage's own region (the SES default).
	return awscognito.UserPoolEmail_WithSES(&awscognito.UserPoolSESOptions{FromEmail: from.ValueAsString()})
}
