package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/contract"
)

// Name is the instrumentation scope of the functions' spans.
const Name = "github.com/stratus-cdk/stratus/lambdas"

// FlushTimeout bounds the export at the end of an invocation (the collector is on localhost).
const FlushTimeout = 2 * time.Second

// Config is the tracing part of a function's environment.
type Config struct {
	// Endpoint is the OTLP/HTTP base URL (spans go to Endpoint/v1/traces). Default: - no export.
	Endpoint string
	// Service is the service.name of the spans. Default: - the function's own name.
	Service string
	// Sampler and SamplerArg are OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
	// Default: parentbased_always_on, the OpenTelemetry default.
	Sampler, SamplerArg string
}

// FromEnv reads the Config through getenv (the variables of contract.Tracing).
func FromEnv(getenv func(string) string) Config {
	return Config{Endpoint: getenv(contract.EnvOTLPEndpoint), Service: getenv(contract.EnvOTELServiceName),
		Sampler: getenv(contract.EnvOTELSampler), SamplerArg: getenv(contract.EnvOTELSamplerArg)}
}

// sampler is the sampler the configuration names (the values OpenTelemetry's OTEL_TRACES_SAMPLER
// takes, less the jaeger and xray remote ones).
func (c Config) sampler() (sdktrace.Sampler, error) { return sampler(c.Sampler, c.SamplerArg) }

func sampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := 1.0
	if arg != "" {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("%s %q is not a number from 0 to 1", contract.EnvOTELSamplerArg, arg)
		}
		ratio = r
	}
	switch strings.TrimSpace(name) {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
	}
	return nil, fmt.Errorf("%s %q is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
		contract.EnvOTELSampler, name)
}

// Provider is a function's tracer provider.
type Provider struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
}

// Setup builds the provider for the function named service (the service.name unless cfg.Service
// says otherwise) and makes it OpenTelemetry's global one, so every package's otel.Tracer uses it.
// It makes no network call.
func Setup(cfg Config, service string) (*Provider, error) {
	s, err := cfg.sampler()
	if err != nil {
		return nil, err
	}
	if cfg.Service != "" {
		service = cfg.Service
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(s),
		sdktrace.WithIDGenerator(IDGenerator{}),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service), attribute.String("cloud.provider", "aws"))),
	}
	if cfg.Endpoint != "" {
		if !strings.HasPrefix(cfg.Endpoint, "http://") && !strings.HasPrefix(cfg.Endpoint, "https://") {
			return nil, fmt.Errorf("%s %q is not an http(s) URL", contract.EnvOTLPEndpoint, cfg.Endpoint)
		}
		exp := &Exporter{URL: strings.TrimSuffix(cfg.Endpoint, "/") + "/v1/traces", Client: &http.Client{Timeout: FlushTimeout}}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		slog.Warn("tracing: "+err.Error(), "component", "otel")
	}))
	return &Provider{tp: tp, tracer: tp.Tracer(Name)}, nil
}

// Tracer is the provider's tracer of the functions' scope.
func (p *Provider) Tracer() trace.Tracer { return p.tracer }

// Flush exports the spans that ended, within FlushTimeout.
func (p *Provider) Flush(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FlushTimeout)
	defer cancel()
	return p.tp.ForceFlush(ctx)
}

// Shutdown flushes and stops the provider (tests; a Lambda process is frozen, then killed).
func (p *Provider) Shutdown(ctx context.Context) error { return p.tp.Shutdown(ctx) }

// LambdaParent is ctx with Lambda's trace as the remote parent: the X-Ray header of the
// invocation (aws-lambda-go puts it in the context as "x-amzn-trace-id"), when it is valid.
func LambdaParent(ctx context.Context) context.Context {
	h, _ := ctx.Value("x-amzn-trace-id").(string)
	if sc, ok := FromXRayHeader(h); ok {
		return trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	return ctx
}

// Invocation wraps a Lambda handler: each invocation gets a root span named name (joining Lambda's
// trace, see [LambdaParent]) with the request id, and the spans are flushed before it returns.
// An error the handler returns marks the span failed.
func Invocation[In, Out any](p *Provider, name string, kind trace.SpanKind, fn func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		attrs := []attribute.KeyValue{}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			attrs = append(attrs, attribute.String("faas.invocation_id", lc.AwsRequestID))
		}
		ctx, span := p.tracer.Start(LambdaParent(ctx), name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
		out, err := fn(ctx, in)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		if ferr := p.Flush(ctx); ferr != nil && !errors.Is(ferr, context.Canceled) {
			slog.WarnContext(ctx, "tracing: flush failed", "error", ferr.Error())
		}
		return out, err
	}
}

// Fail marks span failed with err (nil: nothing).
func Fail(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
}
