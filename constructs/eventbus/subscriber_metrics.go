package eventbus

import "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"

// MetricDlqMessages is the number of messages in the dead-letter queue
// (ApproximateNumberOfMessagesVisible, Maximum over 1 minute unless props
// says otherwise).
func (s *Subscriber) MetricDlqMessages(props *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(withDefaults(props, "Maximum", 1))
}

// MetricOldestMessageAge is the age in seconds of the oldest message in the
// queue (ApproximateAgeOfOldestMessage, Maximum over 1 minute unless props
// says otherwise).
func (s *Subscriber) MetricOldestMessageAge(props *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateAgeOfOldestMessage(withDefaults(props, "Maximum", 1))
}

// MetricBacklog is the number of messages waiting in the queue
// (ApproximateNumberOfMessagesVisible, Maximum over 1 minute unless props
// says otherwise).
func (s *Subscriber) MetricBacklog(props *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateNumberOfMessagesVisible(withDefaults(props, "Maximum", 1))
}

// MetricInFlight is the number of messages received by the handler and not
// yet deleted or failed (ApproximateNumberOfMessagesNotVisible, Maximum over
// 1 minute unless props says otherwise).
func (s *Subscriber) MetricInFlight(props *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return s.Queue.MetricApproximateNumberOfMessagesNotVisible(withDefaults(props, "Maximum", 1))
}
