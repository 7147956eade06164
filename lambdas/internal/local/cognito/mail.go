package cognito

import (
	"net/http"
	"strings"
	"time"
)

// Message is an email the Issuer "sent": the local stand-in for Cognito's
// confirmation emails.
type Message struct {
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`
	Code    string    `json:"code"`
	SentAt  time.Time `json:"sentAt"`
}

// deliver appends m, already saved, to the mailbox and logs it; the caller
// holds i.mu.
func (i *Issuer) deliver(m Message) {
	i.st.Messages = append(i.st.Messages, m)
	i.st.prune(i.opts.Now())
	i.opts.Logger.Info("cognito: email sent to the local mailbox",
		"to", m.To, "subject", m.Subject, "code", m.Code)
}

// Messages lists the mailbox in the order sent (the newest last); with to
// set, only the messages to that address (case-insensitive).
func (i *Issuer) Messages(to string) []Message {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := []Message{}
	for _, m := range i.st.Messages {
		if to == "" || strings.EqualFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// Mailbox serves the mailbox as JSON, in the order sent (the newest last):
//
//	GET ?to=alice@example.com → {"messages":[{"to","subject","body","code","sentAt"}, ...]}
//
// The dev server mounts it at /_local/mail, where the browser end-to-end tests
// read confirmation codes.
func (i *Issuer) Mailbox() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setCORS(w, r)
		w.Header().Set("Cache-Control", "no-store")
		switch r.Method {
		case http.MethodOptions:
			w.WriteHeader(http.StatusNoContent)
		case http.MethodGet, http.MethodHead:
			writeJSON(w, http.StatusOK, map[string][]Message{"messages": i.Messages(r.URL.Query().Get("to"))})
		default:
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method not allowed"})
		}
	})
}
