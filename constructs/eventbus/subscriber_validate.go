package eventbus

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// handlerTimeoutSeconds reads the handler's timeout; ok is false when the
// handler is an imported IFunction, whose timeout the bus cannot know.
func handlerTimeoutSeconds(h awslambda.IFunction) (seconds float64, ok bool) {
	fn, isFunction := h.(awslambda.Function)
	if !isFunction {
		return 0, false
	}
	t := fn.Timeout()
	if t == nil {
		return DefaultLambdaTimeoutSeconds, true
	}
	if *t.IsUnresolved() {
		return 0, false
	}
	return *t.ToSeconds(nil), true
}

func (b *EventBus) validateSubscriber(id string, p *SubscriberProps) subscriberSpec {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	known := func(n *float64) bool { return n != nil && !*awscdk.Token_IsUnresolved(n) }
	knownDuration := func(d awscdk.Duration) bool { return d != nil && !*d.IsUnresolved() }

	spec := subscriberSpec{
		maxReceiveCount: jsii.Number(DefaultMaxReceiveCount),
		batchSize:       jsii.Number(DefaultBatchSize),
		ageThreshold:    p.OldestMessageAgeThreshold,
	}
	if spec.ageThreshold == nil {
		spec.ageThreshold = awscdk.Duration_Minutes(jsii.Number(DefaultOldestMessageAgeMinutes))
	}

	if p.Handler == nil {
		add("Handler is required")
	}

	// Visibility timeout against the handler's timeout.
	timeout, timeoutKnown := 0.0, false
	if p.Handler != nil {
		timeout, timeoutKnown = handlerTimeoutSeconds(p.Handler)
	}
	minVisibility := VisibilityTimeoutFactor * timeout
	spec.visibilitySeconds = VisibilityTimeoutFactor * UnknownHandlerTimeoutSeconds
	if timeoutKnown {
		spec.visibilitySeconds = minVisibility
	}
	if knownDuration(p.VisibilityTimeout) {
		v := *p.VisibilityTimeout.ToSeconds(nil)
		spec.visibilitySeconds = v
		if timeoutKnown && v < minVisibility {
			add("VisibilityTimeout %gs is below six times the handler's timeout (6 × %gs = %gs): messages would be retried while still being processed", v, timeout, minVisibility)
		}
		if v > 43200 {
			add("VisibilityTimeout %gs is above SQS's maximum of 12 hours (43200s)", v)
		}
	} else if timeoutKnown && spec.visibilitySeconds > 43200 {
		add("the handler's timeout %gs needs a visibility timeout of %gs, above SQS's maximum of 12 hours", timeout, spec.visibilitySeconds)
	}

	if p.MaxReceiveCount != nil {
		spec.maxReceiveCount = p.MaxReceiveCount
	}
	if known(p.MaxReceiveCount) {
		if n := *p.MaxReceiveCount; n < 1 || n > 1000 || n != math.Trunc(n) {
			add("MaxReceiveCount %g is out of range: a whole number of receives from 1 to 1000", n)
		}
	}

	window, hasWindow := 0.0, knownDuration(p.MaxBatchingWindow)
	if hasWindow {
		window = *p.MaxBatchingWindow.ToSeconds(nil)
		if b.fifo {
			add("MaxBatchingWindow %gs is set but the bus is FIFO: Lambda does not batch FIFO queues by time", window)
		}
		if window < 0 || window > 300 {
			add("MaxBatchingWindow %gs is out of range: 0 to 300 seconds", window)
		}
	}
	if p.BatchSize != nil {
		spec.batchSize = p.BatchSize
	}
	if known(p.BatchSize) {
		n := *p.BatchSize
		switch {
		case n != math.Trunc(n) || n < 1:
			add("BatchSize %g is out of range: a whole number of at least 1", n)
		case b.fifo && n > 10:
			add("BatchSize %g is above 10, the most Lambda takes from a FIFO queue", n)
		case n > 10000:
			add("BatchSize %g is above 10000, the most Lambda takes from a standard queue", n)
		case n > 10 && (p.MaxBatchingWindow == nil || (hasWindow && window < 1)):
			add("BatchSize %g is above 10: set MaxBatchingWindow to at least 1 second (got %s)", n, durationString(p.MaxBatchingWindow))
		}
	}

	if known(p.MaxConcurrency) {
		if n := *p.MaxConcurrency; n < 2 || n > 1000 || n != math.Trunc(n) {
			add("MaxConcurrency %g is out of range: a whole number from 2 to 1000", n)
		}
	}

	if p.EventTypes != nil {
		if len(p.EventTypes) == 0 {
			add("EventTypes is empty, which matches no event: leave it nil to receive every event")
		}
		if len(p.EventTypes) > 150 {
			add("EventTypes has %d values, above SNS's filter policy limit of 150", len(p.EventTypes))
		}
		for i, t := range p.EventTypes {
			if t == nil || (!*awscdk.Token_IsUnresolved(t) && strings.TrimSpace(*t) == "") {
				add("EventTypes[%d] is empty", i)
			}
		}
	}

	if knownDuration(p.OldestMessageAgeThreshold) && *p.OldestMessageAgeThreshold.ToSeconds(nil) < 60 {
		add("OldestMessageAgeThreshold %gs is below one minute, the resolution of SQS's age metric", *p.OldestMessageAgeThreshold.ToSeconds(nil))
	}

	if len(problems) > 0 {
		panic(fmt.Sprintf("eventbus %s: subscriber %s: invalid props:\n  - %s", *b.Node().Id(), id, strings.Join(problems, "\n  - ")))
	}
	return spec
}

func durationString(d awscdk.Duration) string {
	if d == nil {
		return "none"
	}
	return fmt.Sprintf("%gs", *d.ToSeconds(nil))
}
