package staticsite

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/metricopts"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// CloudFront publishes its metrics in us-east-1 only, with the dimensions
// DistributionId and Region=Global.
const metricsRegion = "us-east-1"

// metric is one of the distribution's CloudWatch metrics. The metric names
// its region (us-east-1), so a dashboard in any region graphs it.
// aws-cdk-lib's Distribution.metric… omit the Region=Global dimension and
// would match no data. Every field of opts wins over these defaults, as in
// aws-cdk-lib's metricX(props).
func (s *StaticSite) metric(name, statistic string, opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	o := metricopts.WithDefaults(opts, statistic, metricopts.Minutes(5))
	props := &awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/CloudFront"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"DistributionId": s.Distribution.DistributionId(),
			"Region":         jsii.String("Global"),
		},
		Region:       jsii.String(metricsRegion),
		Statistic:    o.Statistic,
		Period:       o.Period,
		Account:      o.Account,
		Color:        o.Color,
		Id:           o.Id,
		Label:        o.Label,
		StackAccount: o.StackAccount,
		StackRegion:  o.StackRegion,
		Unit:         o.Unit,
		Visible:      o.Visible,
	}
	if o.DimensionsMap != nil {
		props.DimensionsMap = o.DimensionsMap
	}
	if o.Region != nil {
		props.Region = o.Region
	}
	return awscloudwatch.NewMetric(props)
}

// MetricErrorRate is the percentage of viewer requests answered with a 5xx
// status (Average over 5 minutes unless opts say otherwise).
func (s *StaticSite) MetricErrorRate(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.metric("5xxErrorRate", "Average", opts)
}

// MetricRequests is the number of viewer requests (sum over 5 minutes
// unless opts say otherwise).
func (s *StaticSite) MetricRequests(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.metric("Requests", "Sum", opts)
}

// createAlarms adds the default alarms where CloudWatch can evaluate them:
// in a stack in us-east-1, or an environment-agnostic one (then the alarm
// has data only when deployed to us-east-1). In another region it adds a
// warning instead: alarm there on MetricErrorRate from a us-east-1 stack.
func (s *StaticSite) createAlarms() {
	region := awscdk.Stack_Of(s.Construct).Region()
	if !propcheck.Unresolved(region) && *region != metricsRegion {
		awscdk.Annotations_Of(s.Construct).AddWarningV2(jsii.String("@stratus/staticsite:noAlarms"), jsii.String(
			"CloudFront publishes metrics only in us-east-1 and this stack is in "+*region+
				": no default alarm created; create one from MetricErrorRate() in a us-east-1 stack"), nil)
		return
	}
	threshold := float64(DefaultErrorRateThreshold)
	if s.props.ErrorRateThreshold != nil {
		threshold = *s.props.ErrorRateThreshold
	}
	alarm := awscloudwatch.NewAlarm(s.Construct, jsii.String("ErrorRateAlarm"), &awscloudwatch.AlarmProps{
		Metric:             s.MetricErrorRate(nil),
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(2),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String("More than the threshold percentage of the site's requests answered 5xx (2 of 3 five-minute periods)"),
	})
	s.Alarms = append(s.Alarms, alarm)
}
