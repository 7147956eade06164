package contract

import (
	"reflect"
	"testing"
)

func TestListValue(t *testing.T) {
	if got := ListValue(" https://a.example ,, http://localhost:5173 ,"); !reflect.DeepEqual(got, []string{"https://a.example", "http://localhost:5173"}) {
		t.Errorf("ListValue = %q", got)
	}
	if got := ListValue(""); got != nil {
		t.Errorf("ListValue(\"\") = %q, want none", got)
	}
}
