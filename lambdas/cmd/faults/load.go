package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// outcome names what a client saw: an HTTP status, or "refused" when no answer came (the
// connection was refused or broken: the server was down).
func outcome(status int, err error) string {
	if err != nil {
		return "refused"
	}
	return strconv.Itoa(status)
}

// phase is a stretch of the run: steady load, or one fault from the kill until recovery.
type phase struct {
	name       string
	start, end time.Time
	seen       map[string]int
}

// phases counts what the clients saw in each phase.
type phases struct {
	mu   sync.Mutex
	list []*phase
}

func (p *phases) begin(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if n := len(p.list); n > 0 {
		p.list[n-1].end = now
	}
	p.list = append(p.list, &phase{name: name, start: now, seen: map[string]int{}})
}

func (p *phases) count(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list[len(p.list)-1].seen[what]++
}

func (p *phases) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.list[len(p.list)-1].end = time.Now()
}

// columns are the outcomes seen in any phase, statuses in order, "refused" last.
func (p *phases) columns() []string {
	set := map[string]bool{}
	for _, ph := range p.list {
		for k := range ph.seen {
			set[k] = true
		}
	}
	var cols []string
	for k := range set {
		if k != "refused" {
			cols = append(cols, k)
		}
	}
	sort.Strings(cols)
	if set["refused"] {
		cols = append(cols, "refused")
	}
	return cols
}

// writes is the load: concurrent authenticated creates, each with its own Idempotency-Key, each
// retried until acknowledged (201) or out of time.
type writes struct {
	client   *http.Client
	api      func() string // the API's URL (it moves only if the server's port does)
	token    string
	runID    string
	total    int
	perWrite time.Duration
	phases   *phases

	next, done atomic.Int64
	mu         sync.Mutex
	acked      map[string]string // key → item id of its 201
	duplicates []string          // keys whose retries answered another item
	gaveUp     []string
	rejected   map[string]string // key → a 4xx that retrying cannot fix
}

func (w *writes) run(ctx context.Context, clients int) {
	w.acked, w.rejected = map[string]string{}, map[string]string{}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := w.next.Add(1)
				if i > int64(w.total) || ctx.Err() != nil {
					return
				}
				w.write(ctx, fmt.Sprintf("%s-%05d", w.runID, i))
				w.done.Add(1)
			}
		}()
	}
	wg.Wait()
}

// write creates the item titled key, retrying with the same Idempotency-Key.
func (w *writes) write(ctx context.Context, key string) {
	deadline := time.Now().Add(w.perWrite)
	backoff := 50 * time.Millisecond
	for {
		status, id, err := w.post(ctx, key)
		w.phases.count(outcome(status, err))
		switch {
		case err == nil && status == http.StatusCreated:
			w.mu.Lock()
			if first, ok := w.acked[key]; ok && first != id {
				w.duplicates = append(w.duplicates, key)
			}
			w.acked[key] = id
			w.mu.Unlock()
			return
		case err == nil && status >= 400 && status < 500 && status != http.StatusTooManyRequests && status != http.StatusRequestTimeout:
			w.mu.Lock()
			w.rejected[key] = strconv.Itoa(status)
			w.mu.Unlock()
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			w.mu.Lock()
			w.gaveUp = append(w.gaveUp, key)
			w.mu.Unlock()
			return
		}
		time.Sleep(backoff/2 + rand.N(backoff/2))
		backoff = min(2*backoff, time.Second)
	}
}

func (w *writes) post(ctx context.Context, key string) (int, string, error) {
	body, _ := json.Marshal(map[string]string{"title": key, "notes": "written by the fault suite"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.api()+"items", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", w.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := w.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var out struct{ ID string }
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", err // a 201 whose body was cut off is not an acknowledgement
	}
	_ = json.Unmarshal(raw, &out)
	if res.StatusCode == http.StatusCreated && out.ID == "" {
		return 0, "", fmt.Errorf("a 201 without an id: %s", raw)
	}
	return res.StatusCode, out.ID, nil
}
