package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// MetricServerErrors counts 5XX responses of the stage (Sum) or their rate
// (Average).
func (a *ApiWithAuth) MetricServerErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricServerError(opts)
}

// MetricClientErrors counts 4XX responses of the stage.
func (a *ApiWithAuth) MetricClientErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricClientError(opts)
}

// MetricLatency is the time between API Gateway receiving a request and
// sending the response, in milliseconds.
func (a *ApiWithAuth) MetricLatency(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricLatency(opts)
}

// MetricCount counts the stage's requests.
func (a *ApiWithAuth) MetricCount(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.Api.DeploymentStage().MetricCount(opts)
}

// createAlarms adds the default alarms (no actions): more than 5% of
// requests failing with 5XX over 5 minutes, and p99 latency above 5 s for
// 15 minutes.
func (a *ApiWithAuth) createAlarms() {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	serverErrors := awscloudwatch.NewAlarm(a.Construct, jsii.String("ServerErrorsAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("More than 5% of API requests failed with a 5XX error over 5 minutes"),
		Metric:             a.MetricServerErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
		Threshold:          jsii.Number(0.05),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	latency := awscloudwatch.NewAlarm(a.Construct, jsii.String("LatencyAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("API p99 latency above 5 seconds for 15 minutes"),
		Metric:             a.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: five}),
		Threshold:          jsii.Number(5000),
		EvaluationPeriods:  jsii.Number(3),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.ServerErrorsAlarm = serverErrors
	a.Alarms = []awscloudwatch.Alarm{serverErrors, latency}
}
