package mdblock

import (
	"strings"
	"testing"
)

const doc = "# T\n\n<!-- cost:begin generated; do not edit -->\nold\n<!-- cost:end -->\ntail\n"

func TestReplaceKeepsTheMarkersAndTheRest(t *testing.T) {
	out, err := Replace(doc, "cost", "new table")
	if err != nil {
		t.Fatal(err)
	}
	want := "# T\n\n<!-- cost:begin generated; do not edit -->\nnew table\n<!-- cost:end -->\ntail\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	got, err := Get(out, "cost")
	if err != nil || got != "new table\n" {
		t.Errorf("Get = %q, %v", got, err)
	}
}

func TestMissingMarkersAreNamed(t *testing.T) {
	if _, err := Replace(doc, "diagram", "x"); err == nil || !strings.Contains(err.Error(), "<!-- diagram:begin") {
		t.Errorf("err = %v, want one naming the missing begin marker", err)
	}
	if _, err := Get("<!-- cost:begin -->\nno end\n", "cost"); err == nil || !strings.Contains(err.Error(), "<!-- cost:end -->") {
		t.Errorf("err = %v, want one naming the missing end marker", err)
	}
}
