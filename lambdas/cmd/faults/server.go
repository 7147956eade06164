package main

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
	"syscall"
	"time"
)

// startTimeout bounds one start of the server, PostgreSQL's crash recovery included.
const startTimeout = 90 * time.Second

// urls are what the server writes to its ready file.
type urls struct {
	Site        string `json:"url"`
	API         string `json:"api"`
	Cognito     string `json:"cognito"`
	Mailbox     string `json:"mailbox"`
	DeadLetters string `json:"deadLetters"`
}

// server runs bin/stratus-local on a loopback address and a data folder, and kills it.
type server struct {
	bin, dataDir string
	extraArgs    []string
	addr         string // 127.0.0.1:0 until the first start picked a port; kept for every restart
	starts       int
	cmd          *exec.Cmd
	exited       chan struct{}
	urls         urls
}

// start runs the server and waits until its ready file is written and GET /v1/health answers 200.
func (s *server) start(ctx context.Context) error {
	s.starts++
	ready := filepath.Join(s.dataDir, "ready.json")
	_ = os.Remove(ready)
	logFile, err := os.Create(filepath.Join(s.dataDir, fmt.Sprintf("server-%d.log", s.starts)))
	if err != nil {
		return err
	}
	defer logFile.Close()
	args := append([]string{"-addr", s.addr, "-data-dir", s.dataDir, "-web-dir", "", "-ready-file", ready}, s.extraArgs...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C of this program does not reach it (stop sends one).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.exited)

	deadline := time.Now().Add(startTimeout)
	for {
		if u, err := readReady(ready); err == nil && healthy(ctx, u.API) {
			s.urls = u
			host := strings.TrimPrefix(strings.TrimSuffix(u.Site, "/"), "http://")
			s.addr = host
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited during start (%s); its log: %s%s", cmd.ProcessState, logFile.Name(), lastLines(logFile.Name()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not become healthy within %s; its log: %s%s", startTimeout, logFile.Name(), lastLines(logFile.Name()))
		}
	}
}

// readReady reads the ready file and refuses any URL that is not on the loopback interface: the
// suite drives only a server it started itself on this machine.
func readReady(file string) (urls, error) {
	var u urls
	b, err := os.ReadFile(file)
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, err
	}
	for _, raw := range []string{u.Site, u.API, u.Cognito, u.Mailbox, u.DeadLetters} {
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

func healthy(ctx context.Context, api string) bool {
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

// kill9 kills the server with SIGKILL and waits for it to be gone.
func (s *server) kill9() error {
	if err := s.cmd.Process.Kill(); err != nil {
		return err
	}
	<-s.exited
	return nil
}

// killPostgres kills the cluster's postmaster with SIGKILL and returns its pid.
func (s *server) killPostgres() (int, error) {
	pid, err := s.postmasterPid()
	if err != nil {
		return 0, err
	}
	return pid, syscall.Kill(pid, syscall.SIGKILL)
}

func (s *server) postmasterPid() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.dataDir, "postgres", "data", "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("the server's PostgreSQL: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// waitRecovered waits until the API is healthy again with a postmaster other than old.
func (s *server) waitRecovered(ctx context.Context, old int) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if pid, err := s.postmasterPid(); err == nil && pid != old && healthy(ctx, s.urls.API) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited after PostgreSQL was killed%s", s.lastLogLines())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the API was not healthy again within %s of PostgreSQL's kill%s", startTimeout, s.lastLogLines())
		}
	}
}

// stop interrupts the server (a clean shutdown) and waits, killing it after a minute.
func (s *server) stop() {
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

// lastLogLines is the tail of the current server's log (see lastLines).
func (s *server) lastLogLines() string {
	return lastLines(filepath.Join(s.dataDir, fmt.Sprintf("server-%d.log", s.starts)))
}

// lastLines is the last 40 lines of a log file, for an error that says why a wait timed out.
func lastLines(name string) string {
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
