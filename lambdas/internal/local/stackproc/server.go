// Package stackproc runs bin/stratus-local as a child process for the commands that drive the local
// stack from outside (`make faults`, `make restore-drill`): it starts the server on a loopback port
// and a data folder, reads its ready file (refusing any URL that is not on the loopback interface),
// kills it or its PostgreSQL with SIGKILL, stops it cleanly, and talks to its API as a client would
// (a user signed up and signed in through the local Cognito, every page of a list).
package stackproc

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stratus-cdk/stratus/contract"
)

// startTimeout bounds one start of the server, PostgreSQL's crash recovery included.
const startTimeout = 90 * time.Second

// URLs are what the server writes to its ready file (devstack.URLs).
type URLs struct {
	Site        string `json:"url"`
	API         string `json:"api"`
	Cognito     string `json:"cognito"`
	Mailbox     string `json:"mailbox"`
	DeadLetters string `json:"deadLetters"`
	// Database is the application database's DSN, its password (if any) redacted.
	Database string `json:"database"`
}

// Server runs bin/stratus-local on a loopback address and a data folder, and kills it. Set Bin and
// DataDir; Addr defaults to 127.0.0.1:0 (a free port, kept for every restart).
type Server struct {
	Bin, DataDir string
	// ExtraArgs are passed to the server after the address, folder and ready-file flags.
	ExtraArgs []string
	Addr      string // 127.0.0.1:0 until the first start picked a port; kept for every restart
	starts    int
	cmd       *exec.Cmd
	exited    chan struct{}
	// urls are read by load goroutines while a restart writes them.
	mu   sync.Mutex
	urls URLs
}

// URLs are the running (or last) server's, from its ready file.
func (s *Server) URLs() URLs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urls
}

// Start runs the server and waits until its ready file is written and GET /v1/health answers 200.
func (s *Server) Start(ctx context.Context) error {
	s.starts++
	ready := filepath.Join(s.DataDir, "ready.json")
	_ = os.Remove(ready)
	logFile, err := os.Create(filepath.Join(s.DataDir, fmt.Sprintf("server-%d.log", s.starts)))
	if err != nil {
		return err
	}
	defer logFile.Close()
	if s.Addr == "" {
		s.Addr = "127.0.0.1:0"
	}
	args := append([]string{"-addr", s.Addr, "-data-dir", s.DataDir, "-web-dir", "", "-ready-file", ready}, s.ExtraArgs...)
	cmd := exec.Command(s.Bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Always a cluster of its own in the data folder, never a DATABASE_URL of the environment: the
	// commands kill and delete what they started.
	cmd.Env = withoutEnv(os.Environ(), contract.EnvDatabaseURL)
	// Its own process group: a Ctrl-C of this program does not reach it (stop sends one).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.exited)

	deadline := time.Now().Add(startTimeout)
	for {
		if u, err := ReadReady(ready); err == nil && Healthy(ctx, u.API) {
			s.mu.Lock()
			s.urls = u
			s.mu.Unlock()
			host := strings.TrimPrefix(strings.TrimSuffix(u.Site, "/"), "http://")
			s.Addr = host
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited during start (%s); its log: %s%s", cmd.ProcessState, logFile.Name(), LastLines(logFile.Name()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not become healthy within %s; its log: %s%s", startTimeout, logFile.Name(), LastLines(logFile.Name()))
		}
	}
}

// ReadReady reads the ready file and refuses any URL that is not on the loopback interface: the
// suite drives only a server it started itself on this machine.
func ReadReady(file string) (URLs, error) {
	var u URLs
	b, err := os.ReadFile(file)
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, err
	}
	for _, raw := range []string{u.Site, u.API, u.Cognito, u.Mailbox, u.DeadLetters, u.Database} {
		p, err := url.Parse(raw)
		if err != nil {
			return u, err
		}
		ip := net.ParseIP(p.Hostname())
		if ip == nil || !ip.IsLoopback() {
			return u, fmt.Errorf("%s is not a loopback address", raw)
		}
	}
	return u, nil
}

func Healthy(ctx context.Context, api string) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"health", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Kill9 kills the server with SIGKILL and waits for it to be gone.
func (s *Server) Kill9() error {
	if err := s.cmd.Process.Kill(); err != nil {
		return err
	}
	<-s.exited
	return nil
}

// KillPostgres kills the cluster's postmaster with SIGKILL and returns its pid.
func (s *Server) KillPostgres() (int, error) {
	pid, err := s.PostmasterPid()
	if err != nil {
		return 0, err
	}
	return pid, syscall.Kill(pid, syscall.SIGKILL)
}

func (s *Server) PostmasterPid() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.DataDir, "postgres", "data", "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("the server's PostgreSQL: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// WaitRecovered waits until the API is healthy again with a postmaster other than old.
func (s *Server) WaitRecovered(ctx context.Context, old int) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if pid, err := s.PostmasterPid(); err == nil && pid != old && Healthy(ctx, s.URLs().API) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited after PostgreSQL was killed%s", s.LastLogLines())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API was not healthy again within %s of PostgreSQL's kill%s", startTimeout, s.LastLogLines())
		}
	}
}

// Stop interrupts the server (a clean shutdown) and waits, killing it after a minute.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// LastLogLines is the tail of the current server's log (see LastLines).
func (s *Server) LastLogLines() string {
	return LastLines(filepath.Join(s.DataDir, fmt.Sprintf("server-%d.log", s.starts)))
}

// LastLines is the last 40 lines of a log file, for an error that says why a wait timed out.
func LastLines(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return "; its last lines:\n" + strings.Join(lines, "\n")
}

// withoutEnv is env without the variable name.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
