// Package tracing is the functions' OpenTelemetry setup: one trace per request, from the API
// through the outbox and SNS/SQS to the worker, exported over OTLP/HTTP (JSON, [Exporter]).
//
//   - [Setup] builds the tracer provider from the standard variables the stacks set
//     (contract.EnvOTLPEndpoint, EnvOTELServiceName, EnvOTELSampler, EnvOTELSamplerArg). In AWS the
//     endpoint is the ADOT collector extension (http://localhost:4318), which exports to X-Ray with
//     the function's role; locally it is the local stack's receiver. Without an endpoint spans are
//     still made (logs carry their ids) but exported nowhere.
//   - Trace ids are X-Ray ids (the first 4 bytes are the start time in Unix seconds, [IDGenerator]):
//     X-Ray rejects others.
//   - [Invocation] wraps a Lambda handler: the function's root span joins Lambda's own trace (the
//     invocation's X-Ray header, `Root=1-…;Parent=…;Sampled=…`, with active tracing on), and the
//     spans are flushed before the invocation returns, since Lambda freezes the process after it.
//   - [TraceParent] and [ContextWithTraceParent] carry a span's context as a W3C traceparent: in
//     the outbox row (trace_context) and in the SNS/SQS message attribute `traceparent`.
//   - [PGXTracer] makes a span per SQL statement, batch and connect (the pool's ConnConfig.Tracer).
//   - [LogHandler] adds trace_id, span_id and xray_trace_id to every slog line made with a context
//     that holds a span.
//
// Sampling: OTEL_TRACES_SAMPLER=traceidratio (what the stacks set) decides on the trace id alone,
// whatever a parent says, so the API, the outbox and the worker, which all work in the request's
// trace, make the same decision for it: a trace is recorded whole or not at all.
package tracing
