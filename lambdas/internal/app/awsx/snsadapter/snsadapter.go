// Package snsadapter is the SNS adapter of [awsx.Publisher]: only the
// functions that publish link it.
//
// It speaks SNS's query protocol (one operation: Publish, a signed form POST
// answered in XML) through package awscall (the SDK's SigV4 signer, HTTP
// client and standard retryer) instead of linking service/sns: that client,
// its schema tables, endpoint rules and the query/XML serializers added
// 0.85 MB to the api and outbox bootstraps (measured by lambdas/coldstart:
// api 12.71 → 11.86 MB) for the one call they make. A test checks the form
// equals the SDK client's, field for field.
package snsadapter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx/awscall"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// Publisher publishes to one SNS topic.
type Publisher struct {
	client   *awscall.Client
	topicARN string
	fifo     bool
}

var _ awsx.Publisher = (*Publisher)(nil)

// New returns a publisher to topicARN with cfg's region, credentials, retry
// settings and endpoint (AWS_ENDPOINT_URL_SNS, then BaseEndpoint, then the
// regional one); a topic whose ARN ends with ".fifo" is a FIFO topic.
func New(cfg aws.Config, topicARN string) *Publisher {
	return &Publisher{client: awscall.New(cfg, "SNS", "sns", "sns"), topicARN: topicARN, fifo: strings.HasSuffix(topicARN, ".fifo")}
}

// Publish sends m; the error says why SNS refused it (the caller decides whether to retry later).
func (p *Publisher) Publish(ctx context.Context, m awsx.Message) error {
	if err := m.Validate(p.fifo); err != nil {
		return err
	}
	ctx, span := otel.Tracer(tracing.Name).Start(ctx, "SNS Publish", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "aws_sns"), attribute.String("messaging.destination.name", p.topicARN),
			attribute.String("messaging.message.id", m.ID), attribute.String("event.type", m.Type)))
	defer span.End()
	if err := p.publish(ctx, m); err != nil {
		tracing.Fail(span, err)
		return fmt.Errorf("sns publish %s %s: %w", m.Type, m.ID, err)
	}
	return nil
}

// Form is the Publish request's form, as the SDK's client writes it: the
// message attributes (type, event_id and, with a trace, traceparent) as
// MessageAttributes.entry.N in the order of their names.
func (p *Publisher) Form(m awsx.Message) url.Values {
	form := url.Values{"Action": {"Publish"}, "Version": {"2010-03-31"}, "TopicArn": {p.topicARN}, "Message": {string(m.Body)}}
	attrs := map[string]string{"type": m.Type, "event_id": m.ID}
	if m.TraceParent != "" {
		attrs["traceparent"] = m.TraceParent
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		entry := "MessageAttributes.entry." + strconv.Itoa(i+1) + "."
		form.Set(entry+"Name", n)
		form.Set(entry+"Value.DataType", "String")
		form.Set(entry+"Value.StringValue", attrs[n])
	}
	if p.fifo {
		form.Set("MessageGroupId", m.Group)
		form.Set("MessageDeduplicationId", m.ID)
	}
	return form
}

func (p *Publisher) publish(ctx context.Context, m awsx.Message) error {
	body := p.Form(m).Encode()
	sum := sha256.Sum256([]byte(body))
	_, b, err := p.client.Do(ctx, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.client.Endpoint+"/", strings.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return req, err
	}, hex.EncodeToString(sum[:]))
	if err != nil {
		return err
	}
	var out struct {
		MessageID string `xml:"PublishResult>MessageId"`
	}
	if err := xml.Unmarshal(b, &out); err != nil || out.MessageID == "" {
		return fmt.Errorf("not a PublishResponse with a MessageId: %.200q", b)
	}
	return nil
}
