package devstack

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

// firewall stands in for the web ACL in front of the API's stage, before API Gateway's throttle
// and authorizer: a client address over a rate-based rule's limit within its window, or a body
// larger than the common rule set's SizeRestrictions_BODY allows (off the paths the ACL exempts;
// r.URL.Path is the stage's, "/v1/…"), gets its rule's custom response, or the API's WAF_FILTERED
// response (403). Without a web ACL it is next itself.
func firewall(next http.Handler, w mapping.WAF, api mapping.API) http.Handler {
	if w.ACL == nil || (len(w.RateLimits) == 0 && w.BodyLimit == 0) {
		return next
	}
	status, forbidden := api.GatewayResponse("WAF_FILTERED", "Forbidden")
	limits := make([]*rateLimit, len(w.RateLimits))
	for i, rl := range w.RateLimits {
		limits[i] = &rateLimit{RateLimit: rl, seen: map[string][]time.Time{}}
	}
	respond := func(rw http.ResponseWriter, custom mapping.Response) {
		if custom.Status != 0 {
			rw.Header().Set("Content-Type", custom.ContentType)
			rw.WriteHeader(custom.Status)
			_, _ = rw.Write(custom.Body)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		_, _ = rw.Write(forbidden)
	}
	bodyChecked := func(path string) bool {
		for _, p := range w.BodyLimitExempt {
			if strings.HasPrefix(path, p) {
				return false
			}
		}
		return w.BodyLimit > 0
	}
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		now := time.Now()
		for _, l := range limits {
			if !l.allow(ip, now) {
				respond(rw, l.Response)
				return
			}
		}
		if bodyChecked(r.URL.Path) && r.Body != nil {
			body, err := io.ReadAll(io.LimitReader(r.Body, int64(w.BodyLimit)+1))
			if err != nil {
				http.Error(rw, "cannot read the body", http.StatusBadRequest)
				return
			}
			if len(body) > w.BodyLimit {
				respond(rw, w.BodyResponse)
				return
			}
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		}
		next.ServeHTTP(rw, r)
	})
}

// rateLimit counts each address's requests within the rule's window.
type rateLimit struct {
	mapping.RateLimit
	mu   sync.Mutex
	seen map[string][]time.Time
}

// allow records a request from ip at now and reports whether the address is within the limit.
// WAF goes on counting blocked requests: a client that keeps sending stays blocked.
func (l *rateLimit) allow(ip string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.seen[ip]
	cut := 0
	for cut < len(times) && now.Sub(times[cut]) >= l.Window {
		cut++
	}
	times = append(times[cut:], now)
	l.seen[ip] = times
	return len(times) <= l.Limit
}
