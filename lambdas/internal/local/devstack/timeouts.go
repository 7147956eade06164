package devstack

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// Timeouts bound how long the local server waits on a client and on the API, in line with API
// Gateway: its integration timeout is 29 s, after which it answers 504 whatever the function does.
type Timeouts struct {
	// ReadHeader bounds reading a request's headers. Default: 10 s.
	ReadHeader time.Duration
	// Read bounds reading a whole request, body included: a client that sends its body too slowly
	// is cut off. Default: 30 s.
	Read time.Duration
	// Integration bounds the API's answer once a request is in, as API Gateway's integration
	// timeout does: past it the client gets 504 INTEGRATION_TIMEOUT. Default: 29 s.
	Integration time.Duration
	// Write bounds a request from its headers to the end of its answer: Read, Integration and a
	// margin to send the answer. Default: Read + Integration + 5 s.
	Write time.Duration
	// Idle bounds how long a keep-alive connection may wait for its next request. Default: 60 s.
	Idle time.Duration
}

// DefaultTimeouts are the local server's timeouts when Config.Timeouts is zero.
func DefaultTimeouts() Timeouts { return Timeouts{}.withDefaults() }

func (t Timeouts) withDefaults() Timeouts {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.ReadHeader, 10*time.Second)
	def(&t.Read, 30*time.Second)
	def(&t.Integration, 29*time.Second)
	def(&t.Write, t.Read+t.Integration+5*time.Second)
	def(&t.Idle, 60*time.Second)
	return t
}

func (t Timeouts) server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
}

// integrationTimeout runs next with a deadline and answers 504 when it passes, as API Gateway does;
// the handler goes on in the background until it notices its context ended (a Lambda runs on
// after API Gateway gave up, too), its answer discarded.
func integrationTimeout(next http.Handler, d time.Duration, api mapping.API) http.Handler {
	status, body := api.GatewayResponse("INTEGRATION_TIMEOUT", "Endpoint request timed out")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		buf := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				if p := recover(); p != nil {
					slog.Error("api handler panicked", "panic", fmt.Sprint(p))
					buf.status, buf.body = http.StatusInternalServerError, *bytes.NewBufferString(`{"message":"Internal server error"}`)
				}
			}()
			next.ServeHTTP(buf, r.WithContext(ctx))
		}()
		select {
		case <-done:
			for k, v := range buf.header {
				w.Header()[k] = v
			}
			w.WriteHeader(buf.status)
			_, _ = w.Write(buf.body.Bytes())
		case <-ctx.Done():
			if r.Context().Err() != nil {
				return // the client left
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-amzn-ErrorType", "IntegrationTimeout")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}
	})
}

// bufferedResponse keeps an answer until it is known to come in time. It is written by the
// handler's goroutine only, and read once that is done.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wrote {
		b.status, b.wrote = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wrote = true
	return b.body.Write(p)
}
