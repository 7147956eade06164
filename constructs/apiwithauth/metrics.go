package apiwithauth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// stageMetric names the stage in m's dimensions by its name, not by a
// reference to the stage resource: an alarm on it then depends on nothing
// the stage depends on, so it may roll back (CodeDeploy) the alias the
// API's methods integrate with, which the stage's deployment depends on.
// Dimensions the caller gave are kept.
func (a *ApiWithAuth) stageMetric(m awscloudwatch.Metric, opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	if opts != nil && opts.DimensionsMap != nil {
		return m
	}
	return m.With(&awscloudwatch.MetricOptions{DimensionsMap: &map[string]*string{
		"ApiName": a.Api.RestApiName(), "Stage": jsii.String(a.stageName),
	}})
}

// MetricServerErrors counts 5XX responses of the stage (Sum) or their rate
// (Average).
func (a *ApiWithAuth) MetricServerErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.stageMetric(a.Api.DeploymentStage().MetricServerError(opts), opts)
}

// MetricClientErrors counts 4XX responses of the stage.
func (a *ApiWithAuth) MetricClientErrors(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.stageMetric(a.Api.DeploymentStage().MetricClientError(opts), opts)
}

// MetricLatency is the time between API Gateway receiving a request and
// sending the response, in milliseconds.
func (a *ApiWithAuth) MetricLatency(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.stageMetric(a.Api.DeploymentStage().MetricLatency(opts), opts)
}

// MetricCount counts the stage's requests.
func (a *ApiWithAuth) MetricCount(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return a.stageMetric(a.Api.DeploymentStage().MetricCount(opts), opts)
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
