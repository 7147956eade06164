// Package traces is the local stack's (and the tests') OTLP/HTTP trace receiver: it decodes the
// JSON-encoded ExportTraceServiceRequest bodies POSTed to /v1/traces (what the functions'
// exporter sends: tracing.TracesData, the OTLP specification's JSON encoding; protobuf bodies are
// refused with 415), keeps the last spans in memory, and renders one trace as an indented tree with the
// spans that link into it, so a developer can follow a request from the API through the outbox to
// the worker without AWS.
package traces

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// MaxSpans is how many spans a Receiver keeps (the oldest go first).
const MaxSpans = 20000

// Span is one received span, flattened.
type Span struct {
	Service  string
	TraceID  string // 32 hex digits
	SpanID   string
	ParentID string // "" for a root
	Name     string
	Kind     string
	Start    time.Time
	End      time.Time
	Error    bool
	Attrs    map[string]string
	// Links are the span contexts it links to, as "traceid/spanid".
	Links []string
}

// Duration is how long the span took.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Receiver records spans; it is an http.Handler for POST /v1/traces (mount it where the OTLP base
// URL points) and GET /v1/traces (every trace id, newest first) and GET /v1/traces/{id} (one
// trace as text).
type Receiver struct {
	mu    sync.Mutex
	spans []Span
}

// ServeHTTP implements http.Handler.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/v1/traces"):
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
			http.Error(w, "this receiver takes OTLP/HTTP JSON (Content-Type: application/json), not "+ct, http.StatusUnsupportedMediaType)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := rc.Add(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}") // an empty ExportTraceServiceResponse: full success
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/v1/traces"):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for _, id := range rc.TraceIDs() {
			spans := rc.Trace(id)
			fmt.Fprintf(w, "%s  %s  %d spans  %s\n", id, spans[0].Start.Format(time.RFC3339), len(spans), spans[0].Name)
		}
	case r.Method == http.MethodGet && strings.Contains(path, "/v1/traces/"):
		id := path[strings.LastIndex(path, "/")+1:]
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := io.WriteString(w, rc.Render(id)); err != nil {
			return
		}
	default:
		http.Error(w, "POST /v1/traces (OTLP/HTTP JSON), GET /v1/traces, GET /v1/traces/{trace id}", http.StatusNotFound)
	}
}

// Add decodes one OTLP/HTTP JSON body and keeps its spans.
func (rc *Receiver) Add(body []byte) error {
	var td tracing.TracesData
	if err := json.Unmarshal(body, &td); err != nil {
		return fmt.Errorf("not an OTLP/JSON ExportTraceServiceRequest: %w", err)
	}
	got, err := Flatten(&td)
	if err != nil {
		return err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.spans = append(rc.spans, got...)
	if n := len(rc.spans) - MaxSpans; n > 0 {
		rc.spans = slices.Delete(rc.spans, 0, n)
	}
	return nil
}

// Flatten is td's spans, each with its resource's service.name; an id that is not hex of the
// right length is an error.
func Flatten(td *tracing.TracesData) ([]Span, error) {
	var got []Span
	for _, rs := range td.ResourceSpans {
		service := ""
		for _, kv := range rs.Resource.Attributes {
			if kv.Key == "service.name" {
				service = kv.Value.String()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				sp := Span{Service: service, TraceID: strings.ToLower(s.TraceID), SpanID: strings.ToLower(s.SpanID),
					ParentID: strings.ToLower(s.ParentSpanID), Name: s.Name, Kind: s.Kind.String(),
					Start: time.Unix(0, int64(s.StartTimeUnixNano)), End: time.Unix(0, int64(s.EndTimeUnixNano)),
					Error: s.Status != nil && s.Status.Code == tracing.StatusError, Attrs: map[string]string{}}
				if !isHex(sp.TraceID, 16) || !isHex(sp.SpanID, 8) || (sp.ParentID != "" && !isHex(sp.ParentID, 8)) {
					return nil, fmt.Errorf("span %q: traceId %q, spanId %q, parentSpanId %q: want 32, 16 and 16 hex digits", s.Name, s.TraceID, s.SpanID, s.ParentSpanID)
				}
				for _, kv := range s.Attributes {
					sp.Attrs[kv.Key] = kv.Value.String()
				}
				for _, l := range s.Links {
					sp.Links = append(sp.Links, strings.ToLower(l.TraceID)+"/"+strings.ToLower(l.SpanID))
				}
				got = append(got, sp)
			}
		}
	}
	return got, nil
}

func isHex(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n
}

// Spans is every span kept, in arrival order.
func (rc *Receiver) Spans() []Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.spans)
}

// NormalizeID accepts a trace id as OpenTelemetry writes it (32 hex digits) or as X-Ray does
// (1-5759e988-bd862e3fe1be46a994272793).
func NormalizeID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if strings.HasPrefix(id, "1-") {
		id = strings.ReplaceAll(id[2:], "-", "")
	}
	return id
}

// Trace is the spans of trace id (either form, see NormalizeID), by start time.
func (rc *Receiver) Trace(id string) []Span {
	id = NormalizeID(id)
	var out []Span
	for _, s := range rc.Spans() {
		if s.TraceID == id {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return out
}

// TraceIDs is every trace id kept, newest first.
func (rc *Receiver) TraceIDs() []string {
	seen := map[string]time.Time{}
	for _, s := range rc.Spans() {
		if t, ok := seen[s.TraceID]; !ok || s.Start.Before(t) {
			seen[s.TraceID] = s.Start
		}
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return seen[b].Compare(seen[a]) })
	return ids
}

// Render is trace id as text: each span indented under its parent, with its service, duration
// and key attributes, then the spans of other traces that link to it (the worker's batch).
func (rc *Receiver) Render(id string) string {
	spans := rc.Trace(id)
	if len(spans) == 0 {
		return "no spans of trace " + NormalizeID(id) + " (yet)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "trace %s (X-Ray 1-%s-%s)\n", spans[0].TraceID, spans[0].TraceID[:8], spans[0].TraceID[8:])
	byID := map[string]bool{}
	for _, s := range spans {
		byID[s.SpanID] = true
	}
	children := map[string][]Span{}
	for _, s := range spans {
		p := s.ParentID
		if !byID[p] {
			p = "" // a remote parent (Lambda's own segment) or the root
		}
		children[p] = append(children[p], s)
	}
	t0 := spans[0].Start
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, s := range children[parent] {
			flag := ""
			if s.Error {
				flag = "  ERROR"
			}
			fmt.Fprintf(&b, "%s+%-8s %-7s %-30s %8.2f ms%s%s\n", strings.Repeat("  ", depth),
				s.Start.Sub(t0).Round(time.Microsecond), s.Service, s.Name, float64(s.Duration().Microseconds())/1000, detail(s), flag)
			walk(s.SpanID, depth+1)
		}
	}
	walk("", 0)
	var linked []Span
	for _, s := range rc.Spans() {
		if s.TraceID == spans[0].TraceID {
			continue
		}
		for _, l := range s.Links {
			if strings.HasPrefix(l, spans[0].TraceID+"/") {
				linked = append(linked, s)
				break
			}
		}
	}
	if len(linked) > 0 {
		b.WriteString("linked from other traces:\n")
		for _, s := range linked {
			fmt.Fprintf(&b, "  %s %s %s (trace %s)\n", s.Start.Format(time.RFC3339Nano), s.Service, s.Name, s.TraceID)
		}
	}
	return b.String()
}

func detail(s Span) string {
	var parts []string
	for _, k := range []string{"http.response.status_code", "db.query.text", "event.type", "messaging.message.id", "outcome"} {
		if v, ok := s.Attrs[k]; ok {
			if len(v) > 60 {
				v = v[:57] + "..."
			}
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, " ")
}
