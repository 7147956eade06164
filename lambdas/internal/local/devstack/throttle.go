package devstack

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// throttled answers API Gateway's THROTTLED response (429, through the API's gateway responses)
// once requests exceed the stage's throttle: a token bucket of ThrottleBurst tokens refilled at
// ThrottleRate a second, as API Gateway's stage-wide limit works.
func throttled(next http.Handler, api mapping.API) http.Handler {
	b := &bucket{rate: api.ThrottleRate, burst: float64(api.ThrottleBurst), tokens: float64(api.ThrottleBurst), at: time.Now()}
	status, body := api.GatewayResponse("THROTTLED", "Too Many Requests")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.take(time.Now()) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(body)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type bucket struct {
	mu                  sync.Mutex
	rate, burst, tokens float64
	at                  time.Time
}

func (b *bucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.at).Seconds()*b.rate)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
