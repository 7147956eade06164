package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

// A server killed with -9 starts again on the same data folder, every time, with its data, and
// never with two postmasters on the folder.
func TestRestartAfterKill9(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "stratus-local")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Not t.TempDir: under root the cluster runs as `postgres`, which must pass through the folder.
	data, err := os.MkdirTemp("", "stratus-crash-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	if err := os.Chmod(data, 0o711); err != nil {
		t.Fatal(err)
	}
	pgData, _ := filepath.EvalSymlinks(data)
	pgData = filepath.Join(pgData, "postgres", "data")

	srv, urls := startServer(t, bin, data)
	if status, typ := signUp(t, urls.Cognito, "crash@example.com"); status != 200 {
		t.Fatalf("sign-up = %d %s", status, typ)
	}
	for round := 1; round <= 2; round++ {
		if err := srv.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = srv.Wait()
		srv, urls = startServer(t, bin, data)
		if status, typ := signUp(t, urls.Cognito, "crash@example.com"); typ != "UsernameExistsException" {
			t.Fatalf("round %d: the user signed up before the crash is gone: %d %s", round, status, typ)
		}
		if n := postmasters(pgData); n != 1 {
			t.Fatalf("round %d: %d postmasters on the data folder", round, n)
		}
	}
	if err := srv.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("exit after Ctrl-C: %v", err)
	}
	if n := len(processesOn(pgData)); n != 0 {
		t.Fatalf("%d processes still run on the data folder after a clean stop", n)
	}
}

type readyURLs struct{ API, Cognito string }

// startServer runs the server and waits for its ready file and a healthy API.
func startServer(t *testing.T, bin, data string) (*exec.Cmd, readyURLs) {
	t.Helper()
	ready := filepath.Join(data, "ready.json")
	_ = os.Remove(ready)
	logs := &wait.Buffer{} // written by exec's copying goroutine while the test reads it
	cmd := exec.Command(bin, "-assembly", devStage, "-addr", "127.0.0.1:0", "-data-dir", data, "-web-dir", "", "-ready-file", ready)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("the server's last lines:\n%s", wait.Tail(logs.String(), wait.TailLines))
		}
	})
	var u readyURLs
	wait.For(t, 2*time.Minute, "the server's ready file and a healthy API", func() (err error) {
		u, err = healthyServer(ready)
		return err
	}, wait.Logs("the server", logs.String))
	return cmd, u
}

// healthyServer reads the server's ready file and asks its API's health route: the URLs once the
// route answers 200, else why not yet.
func healthyServer(ready string) (readyURLs, error) {
	var u readyURLs
	b, err := os.ReadFile(ready)
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal(b, &u); err != nil || u.API == "" {
		return u, fmt.Errorf("ready file %q: %v", b, err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get(u.API + "health")
	if err != nil {
		return u, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return u, fmt.Errorf("health: HTTP %d", res.StatusCode)
	}
	return u, nil
}

func signUp(t *testing.T, endpoint, email string) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"ClientId":"stratus-local-client","Username":%q,"Password":"Correct-Horse-9-battery","UserAttributes":[{"Name":"email","Value":%q}]}`, email, email)
	req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Type string `json:"__type"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Type
}

// processesOn lists the processes whose working directory is the data folder (PostgreSQL's).
func processesOn(data string) map[int]int {
	procs := map[int]int{} // pid → parent pid
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err != nil || cwd != data {
			continue
		}
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		_, rest, _ := strings.Cut(string(stat), ") ")
		var state string
		var ppid int
		fmt.Sscan(rest, &state, &ppid)
		procs[pid] = ppid
	}
	return procs
}

// postmasters counts the processes on the data folder whose parent is not one of them.
func postmasters(data string) int {
	procs := processesOn(data)
	n := 0
	for _, ppid := range procs {
		if _, child := procs[ppid]; !child {
			n++
		}
	}
	return n
}

// devStage is Dev's golden templates, which the snapshot test keeps equal to `make synth`'s.
var devStage, _ = filepath.Abs(filepath.Join("..", "..", "..", "test", "testdata", "Dev"))
