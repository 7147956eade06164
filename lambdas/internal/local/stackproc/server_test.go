package stackproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The commands drive only a server on this machine: a ready file naming any other host is refused.
func TestReadReadyRefusesAnAddressOffTheLoopback(t *testing.T) {
	dir := t.TempDir()
	write := func(database string) string {
		f := filepath.Join(dir, "ready.json")
		body := `{"url": "http://127.0.0.1:1/", "api": "http://127.0.0.1:1/v1/", "cognito": "http://127.0.0.1:1/cognito/",
			"mailbox": "http://127.0.0.1:1/_local/mail", "deadLetters": "http://127.0.0.1:1/_local/dead-letters", "database": "` + database + `"}`
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	u, err := ReadReady(write("postgres://postgres@127.0.0.1:5432/stratus?sslmode=disable"))
	if err != nil || u.API != "http://127.0.0.1:1/v1/" {
		t.Fatalf("a loopback ready file: %+v, %v", u, err)
	}
	if _, err := ReadReady(write("postgres://postgres@db.example.com:5432/stratus")); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("a database off the loopback was accepted (err %v)", err)
	}
}

func TestWithoutEnvDropsOnlyThatVariable(t *testing.T) {
	got := withoutEnv([]string{"DATABASE_URL=postgres://x", "DATABASE_URLS=keep", "HOME=/root"}, "DATABASE_URL")
	if strings.Join(got, " ") != "DATABASE_URLS=keep HOME=/root" {
		t.Fatalf("got %q", got)
	}
}
