package mapping

import (
	"errors"
	"time"
)

// Queue is an SQS queue that an event source mapping feeds to a function, with its dead-letter
// queue: the local queue stands in for all four.
type Queue struct {
	Queue, DeadLetterQueue, Mapping *Resource
	Function                        Function
	// VisibilityTimeout is the queue's VisibilityTimeout (SQS's default: 30 s).
	VisibilityTimeout time.Duration
	// MaxReceiveCount is the queue's RedrivePolicy.maxReceiveCount.
	MaxReceiveCount int
	// BatchSize and BatchingWindow are the mapping's BatchSize (default 10) and
	// MaximumBatchingWindowInSeconds (default 0).
	BatchSize      int
	BatchingWindow time.Duration
}

var queueEmulation = emulation{
	service: "SQS queue, dead-letter queue and event source mapping", file: "sqs.go",
	reads: map[string][]string{
		"AWS::SQS::Queue":                 {"VisibilityTimeout", "RedrivePolicy.maxReceiveCount", "RedrivePolicy.deadLetterTargetArn"},
		"AWS::Lambda::EventSourceMapping": {"EventSourceArn", "FunctionName", "BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled"},
	},
	inert: map[string][]string{
		"AWS::SQS::Queue": {"RedrivePolicy", "KmsMasterKeyId", "SqsManagedSseEnabled", "MessageRetentionPeriod"},
	},
	locally: "a queue in PostgreSQL (`local.queue`, `local.dead_letters`): batches of BatchSize (gathered for up to the batching window) to the worker with partial batch responses, a receive hides a message for VisibilityTimeout, after maxReceiveCount receives it moves to the dead-letter table at `/_local/dead-letters` (`POST` redrives it)",
}

// readQueue reads the one SQS queue whose event source mapping feeds a function.
func readQueue(a *Assembly) (Queue, []string, error) {
	var queue *Resource
	mapping, err := one(a, "AWS::Lambda::EventSourceMapping", "an SQS queue feeding a function", func(r *Resource) bool {
		if t := r.Target(r.Prop("EventSourceArn")); t != nil && t.Type == "AWS::SQS::Queue" {
			queue = t
			return true
		}
		return false
	})
	if err != nil {
		return Queue{}, nil, err
	}
	q := Queue{Queue: queue, Mapping: mapping}
	m := &reader{r: mapping}
	fn := invokedFunction(mapping, mapping.Prop("FunctionName"))
	if fn == nil {
		m.fail([]string{"FunctionName"}, "does not refer to an AWS::Lambda::Function of its stack (or an alias or version of one)")
	}
	q.BatchSize = m.integer(10, "BatchSize")
	q.BatchingWindow = time.Duration(m.integer(0, "MaximumBatchingWindowInSeconds")) * time.Second
	partial := false
	for _, t := range m.strings(nil, "FunctionResponseTypes") {
		partial = partial || t == "ReportBatchItemFailures"
	}
	if !partial {
		m.fail([]string{"FunctionResponseTypes"}, "lacks ReportBatchItemFailures: the local queue delivers partial batch responses only")
	}
	if !m.boolean(true, "Enabled") {
		m.fail([]string{"Enabled"}, "is false: a disabled mapping delivers nothing, and the local queue always delivers")
	}

	qr := &reader{r: queue}
	q.VisibilityTimeout = time.Duration(qr.integer(30, "VisibilityTimeout")) * time.Second
	if queue.Prop("RedrivePolicy") == nil {
		qr.fail([]string{"RedrivePolicy"}, "is missing: the local queue moves a message that keeps failing to a dead-letter queue after maxReceiveCount receives")
	} else {
		q.MaxReceiveCount = qr.integer(0, "RedrivePolicy", "maxReceiveCount")
		if q.MaxReceiveCount < 1 {
			qr.fail([]string{"RedrivePolicy", "maxReceiveCount"}, "is missing or under 1")
		}
		if q.DeadLetterQueue = queue.Target(queue.Prop("RedrivePolicy", "deadLetterTargetArn")); q.DeadLetterQueue == nil {
			qr.fail([]string{"RedrivePolicy", "deadLetterTargetArn"}, "does not refer to an SQS queue of its stack")
		}
	}
	var ferr error
	if fn != nil {
		q.Function, ferr = readFunction(fn)
	}
	if err := errors.Join(m.err(), qr.err(), ferr); err != nil {
		return Queue{}, nil, err
	}
	notes := append(unemulated(queue, queueEmulation.known(queue.Type)...), unemulated(mapping, queueEmulation.known(mapping.Type)...)...)
	return q, notes, nil
}
