package lambdatest

import (
	"encoding/json"
	"testing"
)

func TestInvokeThroughTheEmulator(t *testing.T) {
	bin := Build(t, "./testdata/echo")
	fn := Start(t, bin, map[string]string{"ECHO": "hello"})
	out := fn.Invoke(t, map[string]any{"n": 1})
	var got struct {
		Event map[string]any `json:"event"`
		Env   string         `json:"env"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Env != "hello" || got.Event["n"] != float64(1) {
		t.Fatalf("got %s", out)
	}
	// A second emulator runs beside the first (own ports).
	other := Start(t, bin, nil)
	if out := other.Invoke(t, "x"); string(out) != `{"env":"","event":"x"}` {
		t.Errorf("second emulator: %s", out)
	}
}
