package devstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func TestDefaultTimeoutsFollowAPIGateway(t *testing.T) {
	d := DefaultTimeouts()
	if d.Integration != 29*time.Second || d.Read <= 0 || d.ReadHeader <= 0 || d.Idle <= 0 || d.Write < d.Read+d.Integration {
		t.Fatalf("defaults = %+v: want API Gateway's 29 s integration timeout and a write timeout covering read + integration", d)
	}
}

// The server does not wait forever on a client (a body sent too slowly, headers never finished, a
// keep-alive connection left idle), nor on the API (API Gateway's integration timeout: 504).
func TestServerTimeouts(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	// Short, but what this test needs answered (the sign-up, the health check, the blocked
	// create) still has a second to be read and half a minute to be answered: a loaded machine
	// (make flaky, CI under -race) can take longer than 300 ms to read a request and seconds to
	// hash a password. The read, idle and integration limits are what it waits out.
	read, short, integration := time.Second, 300*time.Millisecond, 2*time.Second
	stack, err := Start(ctx, Config{Stage: stageOf(t, "Dev"), Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: dsn, Logger: quiet(),
		Timeouts: Timeouts{ReadHeader: read, Read: read, Idle: short, Integration: integration, Write: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Shutdown(ctx)
	token := client{t: t, stack: stack}.signUp("tim@example.com", password)
	addr := strings.TrimSuffix(strings.TrimPrefix(stack.URLs.Site, "http://"), "/")

	// closedBy sends raw and expects the server to close the connection (answering first or not).
	closedBy := func(name, raw string) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		must(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, raw)
		must(t, err)
		// Generous: the server's own limit is a second; this only bounds a hung test.
		must(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
		_, err = io.Copy(io.Discard, conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the server held the connection open", name)
		}
	}
	closedBy("slow body", "POST /v1/items HTTP/1.1\r\nHost: x\r\nAuthorization: "+token+"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"title\":")
	closedBy("unfinished headers", "GET /v1/health HTTP/1.1\r\nHost: x\r\n")

	// An idle keep-alive connection is closed after its answer.
	conn, err := net.Dial("tcp", addr)
	must(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
	must(t, err)
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	must(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Close {
		t.Fatalf("health on a keep-alive connection = %d (close %v)", res.StatusCode, res.Close)
	}
	must(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	if _, err := r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle keep-alive connection: %v, want it closed by the server", err)
	}

	// The API stuck behind a lock: 504 at the integration timeout, as API Gateway answers.
	locker, err := pgx.Connect(ctx, dsn)
	must(t, err)
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	must(t, err)
	_, err = tx.Exec(ctx, `LOCK TABLE items IN ACCESS EXCLUSIVE MODE`)
	must(t, err)
	status, out := client{t: t, stack: stack}.api("POST", "/items", token, map[string]any{"title": "Blocked"})
	must(t, tx.Rollback(ctx))
	e, _ := out["error"].(map[string]any)
	if status != http.StatusGatewayTimeout || e["code"] != "INTEGRATION_TIMEOUT" {
		t.Fatalf("API behind a lock = %d %v, want 504 INTEGRATION_TIMEOUT", status, out)
	}
	// The server recovers: a 504 now and then is the integration limit on a loaded machine,
	// not a stuck API (which never answers 200 again).
	wait.For(t, 30*time.Second, "GET /items answered after the lock", func() error {
		if status, out := (client{t: t, stack: stack}).api("GET", "/items", token, nil); status != 200 {
			return fmt.Errorf("GET /items = %d %v", status, out)
		}
		return nil
	})
}

// File names the bucket once refused (its own file names) go through the API, the bucket and the
// worker like any other.
func TestOddAttachmentNamesThroughTheStack(t *testing.T) {
	ctx := context.Background()
	stack, err := Start(ctx, Config{Stage: stageOf(t, "Dev"), Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: pgtest.NewDB(t), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Shutdown(ctx)
	c := client{t: t, stack: stack}
	token := c.signUp("otto@example.com", password)
	status, item := c.api("POST", "/items", token, map[string]any{"title": "Odd names"})
	if status != 201 {
		t.Fatalf("create = %d %v", status, item)
	}
	id := item["id"].(string)
	names := []string{".upload-x", "x.meta.json", ".signing-key", "a b+c%20d?e#f.txt", strings.Repeat("ü", 255)}
	for _, name := range names {
		status, att := c.api("POST", "/items/"+id+"/attachments", token, map[string]any{"fileName": name, "contentType": "text/plain", "size": 2})
		if status != 201 {
			t.Fatalf("attachment %q = %d %v", name, status, att)
		}
		up := att["upload"].(map[string]any)
		headers := map[string]string{}
		for k, v := range up["headers"].(map[string]any) {
			if !strings.EqualFold(k, "Content-Length") {
				headers[k] = v.(string)
			}
		}
		if status, out := c.call(up["method"].(string), up["url"].(string), headers, "hi"); status != 200 {
			t.Fatalf("upload of %q = %d %v", name, status, out)
		}
	}
	eventually(t, "every attachment ready", func() string {
		_, out := c.api("GET", "/items/"+id+"/attachments", token, nil)
		list, _ := out["attachments"].([]any)
		ready := 0
		for _, a := range list {
			if a.(map[string]any)["status"] == "ready" {
				ready++
			}
		}
		if ready == len(names) {
			return ""
		}
		return "attachments = " + toJSON(out)
	})
}
