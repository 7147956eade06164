// Package metricopts gives the constructs' MetricX(opts) methods one rule
// for their defaults: each metric has its own statistic and period, and
// whatever the caller sets in opts (statistic, period, label, color, unit,
// account, region, dimensions…) wins, as with aws-cdk-lib's own metricX(props).
package metricopts

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// WithDefaults copies opts (which may be nil), filling in the statistic and
// the period the caller left unset.
func WithDefaults(opts *awscloudwatch.MetricOptions, statistic string, period awscdk.Duration) *awscloudwatch.MetricOptions {
	out := awscloudwatch.MetricOptions{}
	if opts != nil {
		out = *opts
	}
	if out.Statistic == nil {
		out.Statistic = jsii.String(statistic)
	}
	if out.Period == nil {
		out.Period = period
	}
	return &out
}

// Minutes is a period of n minutes.
func Minutes(n float64) awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(n)) }
