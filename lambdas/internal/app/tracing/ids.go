package tracing

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// IDGenerator makes X-Ray compatible ids: a trace id is the start time (Unix seconds, big-endian,
// 4 bytes) and 12 random bytes; a span id is 8 random bytes. (The contrib module that had one,
// go.opentelemetry.io/contrib/propagators/aws, is deprecated.)
type IDGenerator struct {
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

var _ sdktrace.IDGenerator = IDGenerator{}

// NewIDs implements sdktrace.IDGenerator.
func (g IDGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	var tid trace.TraceID
	binary.BigEndian.PutUint32(tid[:4], uint32(now().Unix()))
	random(tid[4:])
	return tid, g.NewSpanID(ctx, tid)
}

// NewSpanID implements sdktrace.IDGenerator.
func (IDGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		random(sid[:])
	}
	return sid
}

func random(b []byte) {
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
}

// XRayTraceID is id as X-Ray writes it: 1-<8 hex digits of time>-<24 hex digits>.
func XRayTraceID(id trace.TraceID) string {
	h := id.String()
	return "1-" + h[:8] + "-" + h[8:]
}

// FromXRayHeader is the span context of an X-Ray trace header
// (Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1), as Lambda hands it
// to the function with active tracing on. ok is false when the header has no valid Root and Parent.
func FromXRayHeader(h string) (sc trace.SpanContext, ok bool) {
	var cfg trace.SpanContextConfig
	for _, part := range strings.Split(h, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			ver, rest, _ := strings.Cut(v, "-")
			epoch, rnd, _ := strings.Cut(rest, "-")
			if ver != "1" || len(epoch) != 8 || len(rnd) != 24 {
				return trace.SpanContext{}, false
			}
			b, err := hex.DecodeString(epoch + rnd)
			if err != nil {
				return trace.SpanContext{}, false
			}
			copy(cfg.TraceID[:], b)
		case "Parent":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 8 {
				return trace.SpanContext{}, false
			}
			copy(cfg.SpanID[:], b)
		case "Sampled":
			if v == "1" {
				cfg.TraceFlags = trace.FlagsSampled
			}
		}
	}
	cfg.Remote = true
	sc = trace.NewSpanContext(cfg)
	return sc, sc.IsValid()
}

// TraceParent is the W3C traceparent of the span in ctx (00-<trace id>-<span id>-<flags>), or ""
// when ctx holds no valid span.
func TraceParent(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + sc.TraceFlags().String()
}

// ParseTraceParent reads a W3C traceparent; ok is false when tp is not a valid one.
func ParseTraceParent(tp string) (trace.SpanContext, bool) {
	parts := strings.Split(tp, "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" || (parts[0] == "00" && len(parts) != 4) {
		return trace.SpanContext{}, false
	}
	tid, err1 := trace.TraceIDFromHex(parts[1])
	sid, err2 := trace.SpanIDFromHex(parts[2])
	flags, err3 := hex.DecodeString(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || len(flags) != 1 {
		return trace.SpanContext{}, false
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid,
		TraceFlags: trace.TraceFlags(flags[0]) & trace.FlagsSampled, Remote: true})
	return sc, sc.IsValid()
}

// ContextWithTraceParent is ctx with tp's span context as its remote parent; ctx unchanged when
// tp is not a valid traceparent.
func ContextWithTraceParent(ctx context.Context, tp string) context.Context {
	if sc, ok := ParseTraceParent(tp); ok {
		return trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	return ctx
}
