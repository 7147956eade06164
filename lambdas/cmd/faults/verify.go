package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

// itemCreated is the event type whose activity entry every item must have exactly once.
const itemCreated = "item.created"

// state is what the server holds for the suite's user once the queue drained (or the time ran out).
type state struct {
	items       map[string][]string // title → ids: more than one is a duplicate
	created     map[string]int      // item id → item.created activity entries
	pending     int                 // messages still queued
	deadLetters int
}

// read lists every item and activity entry of the user, and the queue's state.
func read(ctx context.Context, c *http.Client, u stackproc.URLs, token string) (*state, error) {
	st := &state{items: map[string][]string{}, created: map[string]int{}}
	var items []struct{ ID, Title string }
	if err := stackproc.List(ctx, c, u.API+"items", token, "items", &items); err != nil {
		return nil, err
	}
	for _, it := range items {
		st.items[it.Title] = append(st.items[it.Title], it.ID)
	}
	var activity []struct{ Type, ItemID string }
	if err := stackproc.List(ctx, c, u.API+"activity", token, "activity", &activity); err != nil {
		return nil, err
	}
	for _, a := range activity {
		if a.Type == itemCreated {
			st.created[a.ItemID]++
		}
	}
	var q struct {
		DeadLetters []json.RawMessage `json:"deadLetters"`
		Pending     int               `json:"pending"`
	}
	if err := stackproc.GetJSON(ctx, c, u.DeadLetters, "", &q); err != nil {
		return nil, err
	}
	st.pending, st.deadLetters = q.Pending, len(q.DeadLetters)
	return st, nil
}

// drained: nothing queued, and every item has its item.created entry.
func (st *state) drained() bool {
	if st.pending > 0 {
		return false
	}
	for _, ids := range st.items {
		for _, id := range ids {
			if st.created[id] == 0 {
				return false
			}
		}
	}
	return true
}

// waitDrained reads the server's state until the queue drained or within passed.
func waitDrained(ctx context.Context, c *http.Client, u stackproc.URLs, token string, within time.Duration) (*state, time.Duration, error) {
	start := time.Now()
	for {
		st, err := read(ctx, c, u, token)
		if err == nil && st.drained() {
			return st, time.Since(start), nil
		}
		if time.Since(start) > within || ctx.Err() != nil {
			if err != nil {
				return nil, time.Since(start), err
			}
			return st, time.Since(start), nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// verdict compares what the clients were told with what the server holds.
type verdict struct {
	acknowledged, lost, duplicated, gaveUp, rejected int
	items, eventsLost, eventsDuplicated, deadLetters int
	pending                                          int
	examples                                         []string
}

func judge(w *writes, st *state) verdict {
	v := verdict{acknowledged: len(w.acked), gaveUp: len(w.gaveUp), rejected: len(w.rejected),
		duplicated: len(w.duplicates), deadLetters: st.deadLetters, pending: st.pending}
	note := func(format string, args ...any) {
		if len(v.examples) < 10 {
			v.examples = append(v.examples, fmt.Sprintf(format, args...))
		}
	}
	for key, id := range w.acked {
		ids := st.items[key]
		switch {
		case len(ids) == 0:
			v.lost++
			note("write %s answered 201 (item %s) and is gone", key, id)
		case ids[0] != id && len(ids) == 1:
			v.lost++
			note("write %s answered 201 with item %s, but the item is %s", key, id, ids[0])
		}
	}
	for title, ids := range st.items {
		v.items += len(ids)
		if len(ids) > 1 {
			v.duplicated += len(ids) - 1
			note("write %s made %d items: %v", title, len(ids), ids)
		}
		for _, id := range ids {
			switch n := st.created[id]; {
			case n == 0:
				v.eventsLost++
				note("item %s (%s) has no item.created activity", id, title)
			case n > 1:
				v.eventsDuplicated += n - 1
				note("item %s (%s) has %d item.created activities", id, title, n)
			}
		}
	}
	return v
}

func (v verdict) pass() bool {
	return v.lost+v.duplicated+v.eventsLost+v.eventsDuplicated+v.deadLetters+v.rejected == 0
}
