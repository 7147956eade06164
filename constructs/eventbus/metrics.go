package eventbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/metricopts"
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

// MetricPublished is the number of messages published to the topic (Sum,
// 5 minutes unless opts say otherwise).
func (b *EventBus) MetricPublished(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return b.Topic.MetricNumberOfMessagesPublished(metricopts.WithDefaults(opts, "Sum", metricopts.Minutes(5)))
}

// MetricDeliveryFailures is the number of deliveries SNS gave up on (Sum, 5
// minutes unless opts say otherwise). Each lands in the subscriber's
// dead-letter queue, which alarms.
func (b *EventBus) MetricDeliveryFailures(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return b.Topic.MetricNumberOfNotificationsFailed(metricopts.WithDefaults(opts, "Sum", metricopts.Minutes(5)))
}

func (s *Subscriber) createAlarms(b *EventBus, spec subscriberSpec) {
	path := *s.Node().Path()
	s.DeadLetterAlarm = awscloudwatch.NewAlarm(s.Construct, jsii.String("DeadLetterAlarm"), &awscloudwatch.AlarmProps{
		Metric:             s.MetricDlqMessages(nil),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(path + ": events in the dead-letter queue (received MaxReceiveCount times without success, or undeliverable by SNS)"),
	})
	s.OldestMessageAgeAlarm = awscloudwatch.NewAlarm(s.Construct, jsii.String("OldestMessageAgeAlarm"), &awscloudwatch.AlarmProps{
		Metric:             s.MetricOldestMessageAge(nil),
		Threshold:          spec.ageThreshold.ToSeconds(nil),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(path + ": the oldest event waits longer than " + *spec.ageThreshold.ToHumanString()),
	})
	s.Alarms = []awscloudwatch.Alarm{s.DeadLetterAlarm, s.OldestMessageAgeAlarm}
	if b.alarmAction != nil {
		for _, a := range s.Alarms {
			a.AddAlarmAction(b.alarmAction)
		}
	}
}
