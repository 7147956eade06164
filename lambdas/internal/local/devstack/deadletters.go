package devstack

import (
	"encoding/json"
	"net/http"
)

// ServeHTTP lists the dead letters (GET) as {"deadLetters": [...], "pending": N}, pending being the
// messages still queued (in flight included), or redrives them (POST) as {"redriven": N}.
func (q *Queue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		dead, err := q.DeadLetters(r.Context())
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
			return
		}
		pending, err := q.Pending(r.Context())
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
			return
		}
		if dead == nil {
			dead = []QueuedMessage{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"deadLetters": dead, "pending": pending})
	case http.MethodPost:
		n, err := q.Redrive(r.Context())
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"redriven": n})
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET to list or POST to redrive"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
