package main

import (
	"reflect"
	"strings"
	"testing"
)

func up(title, itemID, attachmentID string) upload {
	return upload{title: title, itemID: itemID, attachmentID: attachmentID, bucket: "b", key: "attachments/u/" + itemID + "/" + attachmentID + "/f", size: 3, etag: "abc"}
}

func ready(id string) attachment { return attachment{ID: id, Status: "ready", Size: 3} }

func good(u upload) object { return object{etag: u.etag, md5: u.etag, size: u.size} }

// A clean restore passes, and every way a restore can lose or duplicate what was acknowledged is
// counted as such and fails it.
func TestJudgeCountsLostAndDuplicated(t *testing.T) {
	u1, u2, u3, u4, u5, u6 := up("drill-00001", "i1", "a1"), up("drill-00002", "i2", "a2"), up("drill-00003", "i3", "a3"),
		up("drill-00004", "i4", "a4"), up("drill-00005", "i5", "a5"), up("drill-00006", "i6", "a6")
	w := &written{items: 9, uploads: 6, acked: map[string]string{
		"drill-00001": "i1", "drill-00002": "i2", "drill-00003": "i3", "drill-00004": "i4", "drill-00005": "i5", "drill-00006": "i6",
		"drill-00007": "i7", "drill-00008": "i8", "drill-00009": "i9",
	}, uploaded: []upload{u1, u2, u3, u4, u5, u6}}
	clean := func() *state {
		st := &state{items: map[string][]string{}, attachments: map[string][]attachment{}, objects: map[string]object{}, replays: map[string]string{"drill-00001": "i1"}}
		for title, id := range w.acked {
			st.items[title] = []string{id}
		}
		for _, u := range w.uploaded {
			st.attachments[u.itemID] = []attachment{ready(u.attachmentID)}
			st.objects[u.bucket+"/"+u.key] = good(u)
		}
		return st
	}
	if v := judge(w, clean()); !v.pass() || v.items.restored != 9 || v.uploads.restored != 6 || len(v.examples) > 0 {
		t.Fatalf("a clean restore: %+v", v)
	}

	st := clean()
	delete(st.items, "drill-00007")                         // an item lost
	st.items["drill-00008"] = []string{"i8", "i8-again"}    // an item twice
	st.items["drill-00009"] = []string{"other"}             // an item replaced by another
	st.items["drill-00010"] = []string{"i10"}               // an item never acknowledged
	st.replays = map[string]string{"drill-00001": "i1-new"} // a retry after the restore made a new item
	st.attachments["i1"] = nil                              // an attachment lost
	st.attachments["i2"] = []attachment{ready("a2"), ready("a2")}
	st.attachments["i3"] = []attachment{{ID: "a3", Status: "pending", Size: 3}}    // the worker's check lost
	delete(st.objects, u4.bucket+"/"+u4.key)                                       // the object lost
	st.objects[u5.bucket+"/"+u5.key] = object{etag: u5.etag, md5: "", size: 3}     // the index kept, the file lost
	st.attachments["i6"] = []attachment{ready("a6"), {ID: "a6b", Status: "ready"}} // an attachment more than written

	v := judge(w, st)
	want := verdict{
		items:   count{written: 9, acknowledged: 9, restored: 7, lost: 2, duplicated: 3},
		uploads: count{written: 6, acknowledged: 6, restored: 2, lost: 4, duplicated: 2},
		replays: 1, replayed: 0,
	}
	examples := v.examples
	v.examples = nil
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("verdict = %+v\nwant      %+v", v, want)
	}
	if v.pass() {
		t.Fatal("a restore that lost and duplicated passes")
	}
	if len(examples) != 10 {
		t.Fatalf("want the first 10 problems named, got %d: %q", len(examples), examples)
	}
	for _, s := range []string{"drill-00007 (i7) was acknowledged and is not restored", "drill-00008 is restored 2 times"} {
		if !strings.Contains(strings.Join(examples, "\n"), s) {
			t.Errorf("no example says %q in:\n%s", s, strings.Join(examples, "\n"))
		}
	}
}

// Nothing acknowledged is no rehearsal: it does not pass.
func TestJudgeFailsAnEmptyDrill(t *testing.T) {
	if v := judge(&written{acked: map[string]string{}}, &state{}); v.pass() {
		t.Fatalf("an empty drill passes: %+v", v)
	}
}

// The data is the same every run, and the uploads are spread over the items.
func TestDataIsDeterministic(t *testing.T) {
	if string(content(7)) != string(content(7)) || string(content(7)) == string(content(8)) {
		t.Fatal("content is not a function of the index")
	}
	n := 0
	for i := 1; i <= 60; i++ {
		if hasUpload(i, 60, 15) {
			n++
		}
	}
	if n != 15 {
		t.Fatalf("hasUpload picks %d of 60 items, want 15", n)
	}
}
