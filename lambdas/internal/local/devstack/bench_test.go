package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkLocalServer measures the local server as `make dev` runs it (its own PostgreSQL cluster
// in the data folder, durable settings) at 1, 8 and 32 concurrent clients, each with its own
// keep-alive connection:
//
//   - create: POST /v1/items (the row, its outbox event, the event queued for the worker);
//   - list: GET /v1/items?limit=20;
//   - sql-insert: the bare INSERT of an items row through the stack's pool, the floor under create.
//
// It reports requests per second and the 99th percentile latency (p99-ms). The worker runs
// meanwhile, as it does under `make dev`, turning every created item into an activity entry.
func BenchmarkLocalServer(b *testing.B) {
	ctx := context.Background()
	// Not b.TempDir: under root the cluster runs as `postgres`, which must pass through the folder.
	data, err := os.MkdirTemp("", "stratus-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(data)
	if err := os.Chmod(data, 0o711); err != nil {
		b.Fatal(err)
	}
	// The server's own throughput, not Dev's API throttle (20 requests a second), is measured.
	stage := stageOf(b, "Dev")
	stage.API.ThrottleRate, stage.API.ThrottleBurst = math.MaxInt32, math.MaxInt32
	stack, err := Start(ctx, Config{Stage: stage, Addr: "127.0.0.1:0", DataDir: data, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer stack.Shutdown(ctx)
	token := benchUser(b, stack)
	owner := uuid.NewString()
	transport := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 60 * time.Second}

	create := func() error {
		return benchRequest(client, http.MethodPost, stack.URLs.API+"items", token, `{"title":"Benchmark item","notes":"n"}`, http.StatusCreated)
	}
	list := func() error {
		return benchRequest(client, http.MethodGet, stack.URLs.API+"items?limit=20", token, "", http.StatusOK)
	}
	insert := func() error {
		_, err := stack.pool.Exec(ctx, `INSERT INTO items (id, owner, title, notes, status, version, created_at, updated_at)
			VALUES ($1, $2, 'Benchmark item', 'n', 'open', 1, now(), now())`, uuid.New(), owner)
		return err
	}
	for _, op := range []struct {
		name string
		do   func() error
	}{{"create", create}, {"list", list}, {"sql-insert", insert}} {
		for _, clients := range []int{1, 8, 32} {
			b.Run(fmt.Sprintf("%s/clients=%d", op.name, clients), func(b *testing.B) {
				runClients(b, clients, op.do)
			})
		}
	}
}

// runClients makes b.N calls of do from the given number of goroutines and reports req/s and p99.
func runClients(b *testing.B, clients int, do func() error) {
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, b.N)
		failure   atomic.Value
		wg        sync.WaitGroup
	)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, b.N/clients+1)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := do(); err != nil {
					failure.CompareAndSwap(nil, err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failure.Load().(error); err != nil {
		b.Fatal(err)
	}
	slices.Sort(latencies)
	p99 := latencies[min(len(latencies)-1, len(latencies)*99/100)]
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
}

func benchRequest(c *http.Client, method, url, token, body string, want int) error {
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		return fmt.Errorf("%s %s = %d %s", method, url, res.StatusCode, raw)
	}
	return nil
}

// benchUser signs a new user up through the local Cognito API and returns an ID token.
func benchUser(b *testing.B, stack *Stack) string {
	cognito := func(op string, in any) map[string]any {
		raw, _ := json.Marshal(in)
		req, _ := http.NewRequest(http.MethodPost, stack.URLs.Cognito, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != http.StatusOK {
			b.Fatalf("%s = %d %v", op, res.StatusCode, out)
		}
		return out
	}
	email := "bench@example.com"
	cognito("SignUp", map[string]any{"ClientId": ClientID, "Username": email, "Password": password,
		"UserAttributes": []map[string]string{{"Name": "email", "Value": email}}})
	res, err := http.Get(stack.URLs.Mailbox + "?to=" + email)
	if err != nil {
		b.Fatal(err)
	}
	var mail struct{ Messages []struct{ Code string } }
	_ = json.NewDecoder(res.Body).Decode(&mail)
	res.Body.Close()
	if len(mail.Messages) == 0 {
		b.Fatal("no confirmation code in the mailbox")
	}
	cognito("ConfirmSignUp", map[string]any{"ClientId": ClientID, "Username": email, "ConfirmationCode": mail.Messages[0].Code})
	out := cognito("InitiateAuth", map[string]any{"ClientId": ClientID, "AuthFlow": "USER_PASSWORD_AUTH",
		"AuthParameters": map[string]string{"USERNAME": email, "PASSWORD": password}})
	token, _ := out["AuthenticationResult"].(map[string]any)["IdToken"].(string)
	return token
}
