package eventbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"

	"github.com/stratus-cdk/stratus/internal/metricopts"
)

// MetricDlqMessages is the number of messages in the dead-letter queue
// (ApproximateNumberOfMessagesVisible, Maximum over 1 minute unless opts
// say otherwise).
func (s *Subscriber) MetricDlqMessages(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(metricopts.WithDefaults(opts, "Maximum", metricopts.Minutes(1)))
}

// MetricOldestMessageAge is the age in seconds of the oldest message in the
// queue (ApproximateAgeOfOldestMessage, Maximum over 1 minute unless opts
// say otherwise).
func (s *Subscriber) MetricOldestMessageAge(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateAgeOfOldestMessage(metricopts.WithDefaults(opts, "Maximum", metricopts.Minutes(1)))
}

// MetricBacklog is the number of messages waiting in the queue
// (ApproximateNumberOfMessagesVisible, Maximum over 1 minute unless opts
// say otherwise).
func (s *Subscriber) MetricBacklog(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateNumberOfMessagesVisible(metricopts.WithDefaults(opts, "Maximum", metricopts.Minutes(1)))
}

// MetricInFlight is the number of messages received by the handler and not
// yet deleted or failed (ApproximateNumberOfMessagesNotVisible, Maximum over
// 1 minute unless opts say otherwise).
func (s *Subscriber) MetricInFlight(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateNumberOfMessagesNotVisible(metricopts.WithDefaults(opts, "Maximum", metricopts.Minutes(1)))
}
