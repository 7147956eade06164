package eventbus

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/propcheck"
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
	c := propcheck.For("eventbus.AddSubscriber", b.Construct, id)
	seconds := func(d awscdk.Duration) float64 { return *d.ToSeconds(nil) }

	spec := subscriberSpec{
		maxReceiveCount: jsii.Number(DefaultMaxReceiveCount),
		batchSize:       jsii.Number(DefaultBatchSize),
		ageThreshold:    p.OldestMessageAgeThreshold,
	}
	if spec.ageThreshold == nil {
		spec.ageThreshold = awscdk.Duration_Minutes(jsii.Number(DefaultOldestMessageAgeMinutes))
	}

	c.Require("Handler", p.Handler, "the function that consumes the queue")

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
	if propcheck.Known(p.VisibilityTimeout) {
		v := seconds(p.VisibilityTimeout)
		spec.visibilitySeconds = v
		if timeoutKnown && v < minVisibility {
			c.Add("VisibilityTimeout", p.VisibilityTimeout, "below six times the handler's timeout (6 × %gs = %gs): messages would be retried while still being processed", timeout, minVisibility)
		}
		if v > 43200 {
			c.Add("VisibilityTimeout", p.VisibilityTimeout, "above SQS's maximum of 12 hours")
		}
	} else if timeoutKnown && spec.visibilitySeconds > 43200 {
		c.Add("Handler", *p.Handler.Node().Path(), "its timeout %gs needs a visibility timeout of %gs, above SQS's maximum of 12 hours", timeout, spec.visibilitySeconds)
	}

	if p.MaxReceiveCount != nil {
		spec.maxReceiveCount = p.MaxReceiveCount
	}
	if propcheck.Known(p.MaxReceiveCount) {
		if n := *p.MaxReceiveCount; n < 1 || n > 1000 || n != math.Trunc(n) {
			c.Add("MaxReceiveCount", n, "out of range: a whole number of receives from 1 to 1000")
		}
	}

	window, hasWindow := 0.0, propcheck.Known(p.MaxBatchingWindow)
	if hasWindow {
		window = seconds(p.MaxBatchingWindow)
		if b.fifo {
			c.Add("MaxBatchingWindow", p.MaxBatchingWindow, "set but the bus is FIFO: Lambda does not batch FIFO queues by time")
		}
		if window < 0 || window > 300 {
			c.Add("MaxBatchingWindow", p.MaxBatchingWindow, "out of range: 0 to 300 seconds")
		}
	}
	if p.BatchSize != nil {
		spec.batchSize = p.BatchSize
	}
	if propcheck.Known(p.BatchSize) {
		n := *p.BatchSize
		switch {
		case n != math.Trunc(n) || n < 1:
			c.Add("BatchSize", n, "out of range: a whole number of at least 1")
		case b.fifo && n > 10:
			c.Add("BatchSize", n, "above 10, the most Lambda takes from a FIFO queue")
		case n > 10000:
			c.Add("BatchSize", n, "above 10000, the most Lambda takes from a standard queue")
		case n > 10 && (p.MaxBatchingWindow == nil || (hasWindow && window < 1)):
			c.Add("BatchSize", n, "above 10: set MaxBatchingWindow to at least 1 second (got %s)", propcheck.Value(p.MaxBatchingWindow))
		}
	}

	if propcheck.Known(p.MaxConcurrency) {
		if n := *p.MaxConcurrency; n < 2 || n > 1000 || n != math.Trunc(n) {
			c.Add("MaxConcurrency", n, "out of range: a whole number from 2 to 1000")
		}
	}

	if p.EventTypes != nil {
		if len(p.EventTypes) == 0 {
			c.Add("EventTypes", p.EventTypes, "empty, which matches no event: leave it nil to receive every event")
		}
		if len(p.EventTypes) > 150 {
			c.Add("EventTypes", propcheck.Shown(fmt.Sprintf("(%d values)", len(p.EventTypes))), "above SNS's filter policy limit of 150")
		}
		for i, t := range p.EventTypes {
			if t == nil || (!propcheck.Unresolved(t) && strings.TrimSpace(*t) == "") {
				c.Add(fmt.Sprintf("EventTypes[%d]", i), t, "empty")
			}
		}
	}

	if propcheck.Known(p.OldestMessageAgeThreshold) && seconds(p.OldestMessageAgeThreshold) < 60 {
		c.Add("OldestMessageAgeThreshold", p.OldestMessageAgeThreshold, "below one minute, the resolution of SQS's age metric")
	}
	c.Panic()
	return spec
}
