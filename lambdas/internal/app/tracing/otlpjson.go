package tracing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// The OTLP/HTTP JSON encoding of traces (the OTLP specification's "JSON Protobuf Encoding": the
// proto3 JSON mapping of opentelemetry/proto/trace/v1 with lowerCamelCase keys, trace and span
// ids as hex strings rather than base64, enums as integers, 64-bit integers as decimal strings).
// The exporter writes these types and the local receiver (lambdas/internal/local/traces) reads
// them. Fields at their zero value are left out, as the proto3 mapping does; a receiver must
// ignore keys it does not know.

// TracesData is the body of POST /v1/traces (an ExportTraceServiceRequest: both are one
// repeated resourceSpans).
type TracesData struct {
	ResourceSpans []ResourceSpans `json:"resourceSpans"`
}

// ResourceSpans is the spans of one resource (here: one function), by instrumentation scope.
type ResourceSpans struct {
	Resource   Resource     `json:"resource"`
	ScopeSpans []ScopeSpans `json:"scopeSpans"`
	SchemaURL  string       `json:"schemaUrl,omitempty"`
}

// Resource is what made the spans (service.name, cloud.provider).
type Resource struct {
	Attributes             []KeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount uint32     `json:"droppedAttributesCount,omitempty"`
}

// ScopeSpans is the spans of one instrumentation scope.
type ScopeSpans struct {
	Scope     Scope  `json:"scope"`
	Spans     []Span `json:"spans"`
	SchemaURL string `json:"schemaUrl,omitempty"`
}

// Scope is an instrumentation scope.
type Scope struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Span is one span. TraceID, SpanID and ParentSpanID are hex (32, 16 and 16 digits; the
// specification allows either case, the exporter writes lower case).
type Span struct {
	TraceID                string     `json:"traceId"`
	SpanID                 string     `json:"spanId"`
	TraceState             string     `json:"traceState,omitempty"`
	ParentSpanID           string     `json:"parentSpanId,omitempty"`
	Flags                  uint32     `json:"flags,omitempty"`
	Name                   string     `json:"name"`
	Kind                   SpanKind   `json:"kind,omitempty"`
	StartTimeUnixNano      Uint64     `json:"startTimeUnixNano"`
	EndTimeUnixNano        Uint64     `json:"endTimeUnixNano"`
	Attributes             []KeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount uint32     `json:"droppedAttributesCount,omitempty"`
	Events                 []Event    `json:"events,omitempty"`
	DroppedEventsCount     uint32     `json:"droppedEventsCount,omitempty"`
	Links                  []Link     `json:"links,omitempty"`
	DroppedLinksCount      uint32     `json:"droppedLinksCount,omitempty"`
	Status                 *Status    `json:"status,omitempty"`
}

// SpanKind is OTLP's Span.SpanKind (the values of trace.SpanKind).
type SpanKind int32

// The span kinds.
const (
	SpanKindUnspecified SpanKind = iota
	SpanKindInternal
	SpanKindServer
	SpanKindClient
	SpanKindProducer
	SpanKindConsumer
)

// String is the kind's name as OTLP's enum has it, less SPAN_KIND_ (SERVER, CLIENT…).
func (k SpanKind) String() string {
	names := [...]string{"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"}
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return strconv.Itoa(int(k))
}

// Event is a span's event.
type Event struct {
	TimeUnixNano           Uint64     `json:"timeUnixNano"`
	Name                   string     `json:"name"`
	Attributes             []KeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount uint32     `json:"droppedAttributesCount,omitempty"`
}

// Link is a span's link to another span (ids in hex).
type Link struct {
	TraceID                string     `json:"traceId"`
	SpanID                 string     `json:"spanId"`
	TraceState             string     `json:"traceState,omitempty"`
	Attributes             []KeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount uint32     `json:"droppedAttributesCount,omitempty"`
	Flags                  uint32     `json:"flags,omitempty"`
}

// Status is a span's status.
type Status struct {
	Message string     `json:"message,omitempty"`
	Code    StatusCode `json:"code,omitempty"`
}

// StatusCode is OTLP's Status.StatusCode (not the values of otel's codes.Code: OTLP's Ok is 1
// and Error 2).
type StatusCode int32

// The status codes.
const (
	StatusUnset StatusCode = 0
	StatusOk    StatusCode = 1
	StatusError StatusCode = 2
)

// KeyValue is an attribute.
type KeyValue struct {
	Key   string   `json:"key"`
	Value AnyValue `json:"value"`
}

// AnyValue is an attribute's value: one of its fields is set.
type AnyValue struct {
	StringValue *string     `json:"stringValue,omitempty"`
	BoolValue   *bool       `json:"boolValue,omitempty"`
	IntValue    *Int64      `json:"intValue,omitempty"`
	DoubleValue *Double     `json:"doubleValue,omitempty"`
	ArrayValue  *ArrayValue `json:"arrayValue,omitempty"`
}

// ArrayValue is an array attribute's values.
type ArrayValue struct {
	Values []AnyValue `json:"values"`
}

// String is the value as text: a string as it is, an int or a double in decimal, an array as
// [a b c].
func (v AnyValue) String() string {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return strconv.FormatBool(*v.BoolValue)
	case v.IntValue != nil:
		return strconv.FormatInt(int64(*v.IntValue), 10)
	case v.DoubleValue != nil:
		return strconv.FormatFloat(float64(*v.DoubleValue), 'g', -1, 64)
	case v.ArrayValue != nil:
		var b bytes.Buffer
		b.WriteByte('[')
		for i, e := range v.ArrayValue.Values {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.String())
		}
		b.WriteByte(']')
		return b.String()
	}
	return ""
}

// Uint64 is a fixed64 of OTLP (a time in Unix nanoseconds): a decimal string in JSON, and read
// from a string or a number, as the proto3 JSON mapping has 64-bit integers.
type Uint64 uint64

// MarshalJSON implements json.Marshaler.
func (n Uint64) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(n), 10)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Uint64) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseUint(unquote(b), 10, 64)
	if err != nil {
		return fmt.Errorf("otlp: %s is not a 64-bit unsigned integer", b)
	}
	*n = Uint64(v)
	return nil
}

// Int64 is an int64 of OTLP (an intValue), encoded as Uint64 is.
type Int64 int64

// MarshalJSON implements json.Marshaler.
func (n Int64) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(n), 10)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int64) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseInt(unquote(b), 10, 64)
	if err != nil {
		return fmt.Errorf("otlp: %s is not a 64-bit integer", b)
	}
	*n = Int64(v)
	return nil
}

// Double is a doubleValue: a JSON number, or "NaN", "Infinity", "-Infinity" as the proto3
// mapping writes those (encoding/json refuses them as numbers).
type Double float64

// MarshalJSON implements json.Marshaler.
func (d Double) MarshalJSON() ([]byte, error) {
	f := float64(d)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Double) UnmarshalJSON(b []byte) error {
	switch s := unquote(b); s {
	case "NaN":
		*d = Double(math.NaN())
	case "Infinity":
		*d = Double(math.Inf(1))
	case "-Infinity":
		*d = Double(math.Inf(-1))
	default:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("otlp: %s is not a double", b)
		}
		*d = Double(f)
	}
	return nil
}

// unquote is b without the quotes of a JSON string (64-bit integers may come either way).
func unquote(b []byte) string {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return string(b[1 : len(b)-1])
	}
	return string(b)
}
