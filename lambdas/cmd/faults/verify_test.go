package main

import (
	"reflect"
	"testing"
)

// The verdict counts each kind of failure the suite exists to catch.
func TestJudgeCountsLossesAndDuplicates(t *testing.T) {
	w := &writes{
		acked:      map[string]string{"k1": "i1", "k2": "i2", "k3": "i3", "k4": "i4"},
		duplicates: []string{"k5"},
		gaveUp:     []string{"k6"},
		rejected:   map[string]string{},
	}
	st := &state{
		items: map[string][]string{
			"k1": {"i1"},        // fine
			"k2": {"i2", "i2b"}, // one write, two items
			"k3": {"other"},     // acknowledged as i3, but the item is another
			// k4: acknowledged and gone
			"k6": {"i6"}, // never acknowledged, but made: fine, and it needs its event too
		},
		created:     map[string]int{"i1": 1, "i2": 2, "i2b": 1, "other": 1},
		deadLetters: 1,
	}
	v := judge(w, st)
	want := verdict{acknowledged: 4, lost: 2, duplicated: 2, gaveUp: 1, items: 5, eventsLost: 1, eventsDuplicated: 1, deadLetters: 1}
	if len(v.examples) == 0 {
		t.Error("no examples to show")
	}
	v.examples = nil
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("verdict = %+v\nwant      %+v", v, want)
	}
	if v.pass() {
		t.Fatal("a verdict with losses passes")
	}
	if clean := judge(&writes{acked: map[string]string{"k": "i"}}, &state{items: map[string][]string{"k": {"i"}}, created: map[string]int{"i": 1}}); !clean.pass() {
		t.Fatalf("a clean run fails: %+v", clean)
	}
}
