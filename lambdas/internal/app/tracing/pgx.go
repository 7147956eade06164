package tracing

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// PGXTracer is a pgx tracer (pgx.QueryTracer, BatchTracer and ConnectTracer): one client span
// per statement, per batch (each statement an event) and per new connection, with the statement's
// text (never its arguments). Set it as the pool's ConnConfig.Tracer.
type PGXTracer struct{}

var (
	_ pgx.QueryTracer   = PGXTracer{}
	_ pgx.BatchTracer   = PGXTracer{}
	_ pgx.ConnectTracer = PGXTracer{}
)

// maxStatement bounds the statement text kept on a span.
const maxStatement = 2000

func (PGXTracer) start(ctx context.Context, name string, attrs ...attribute.KeyValue) context.Context {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx // no request around it: a pool's background work makes no trace of its own
	}
	ctx, _ = otel.Tracer(Name).Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(append(attrs, attribute.String("db.system.name", "postgresql"))...))
	return ctx
}

func end(ctx context.Context, err error) {
	span := trace.SpanFromContext(ctx)
	Fail(span, err)
	span.End()
}

// TraceQueryStart implements pgx.QueryTracer.
func (t PGXTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	return t.start(ctx, operation(d.SQL), attribute.String("db.query.text", statement(d.SQL)))
}

// TraceQueryEnd implements pgx.QueryTracer.
func (PGXTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if d.Err == nil {
		trace.SpanFromContext(ctx).SetAttributes(attribute.Int64("db.response.returned_rows", d.CommandTag.RowsAffected()))
	}
	end(ctx, d.Err)
}

// TraceBatchStart implements pgx.BatchTracer.
func (t PGXTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	return t.start(ctx, "BATCH", attribute.Int("db.operation.batch.size", d.Batch.Len()))
}

// TraceBatchQuery implements pgx.BatchTracer.
func (PGXTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	attrs := []attribute.KeyValue{attribute.String("db.query.text", statement(d.SQL))}
	if d.Err != nil {
		attrs = append(attrs, attribute.String("error.message", d.Err.Error()))
	}
	trace.SpanFromContext(ctx).AddEvent(operation(d.SQL), trace.WithAttributes(attrs...))
}

// TraceBatchEnd implements pgx.BatchTracer.
func (PGXTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchEndData) {
	end(ctx, d.Err)
}

// TraceConnectStart implements pgx.ConnectTracer.
func (t PGXTracer) TraceConnectStart(ctx context.Context, d pgx.TraceConnectStartData) context.Context {
	return t.start(ctx, "CONNECT", attribute.String("server.address", d.ConnConfig.Host))
}

// TraceConnectEnd implements pgx.ConnectTracer.
func (PGXTracer) TraceConnectEnd(ctx context.Context, d pgx.TraceConnectEndData) { end(ctx, d.Err) }

// operation is the statement's first keyword (SELECT, INSERT, WITH…): the span's name.
func operation(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return "SQL"
	}
	return strings.ToUpper(f[0])
}

func statement(sql string) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > maxStatement {
		return sql[:maxStatement]
	}
	return sql
}
