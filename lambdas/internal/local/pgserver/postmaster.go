package pgserver

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds a start, crash recovery included.
const startTimeout = time.Minute

// postmaster is one run of the server process.
type postmaster struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned (cmd.ProcessState is set)
}

// launch starts the postmaster as a child that gets SIGQUIT (immediate shutdown) when this
// process dies, with its output appended to server.log.
func (s *Server) launch() (*postmaster, error) {
	logFile, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := s.command("postgres", s.args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	pm := &postmaster{cmd: cmd, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the thread that forks, not to the process: keep this
		// thread for as long as the postmaster runs (it ends with the goroutine, after the child).
		runtime.LockOSThread()
		err := cmd.Start()
		logFile.Close()
		started <- err
		if err != nil {
			return
		}
		_ = cmd.Wait()
		close(pm.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	return pm, nil
}

// waitReady waits until the postmaster says in postmaster.pid that it accepts connections.
func (s *Server) waitReady(pm *postmaster) error {
	deadline := time.Now().Add(startTimeout)
	pid := strconv.Itoa(pm.cmd.Process.Pid)
	for {
		if lines, err := readPidFile(s.data); err == nil && len(lines) >= 8 && lines[0] == pid && strings.TrimSpace(lines[7]) == "ready" {
			return nil
		}
		select {
		case <-pm.exited:
			return fmt.Errorf("postgres exited during start (%s):\n%s", pm.cmd.ProcessState, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s:\n%s", startTimeout, s.logTail())
		}
	}
}

// shutdown sends sig and waits for the exit, killing the process after within.
func (pm *postmaster) shutdown(sig syscall.Signal, within time.Duration) error {
	_ = pm.cmd.Process.Signal(sig)
	select {
	case <-pm.exited:
		return nil
	case <-time.After(within):
		pm.kill()
		return fmt.Errorf("postgres did not shut down within %s (%s): killed it", within, sig)
	}
}

func (pm *postmaster) kill() {
	_ = pm.cmd.Process.Kill()
	<-pm.exited
}

// logTail is the end of server.log, for error messages.
func (s *Server) logTail() string {
	f, err := os.Open(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return "(no server.log)"
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > 4096 {
		_, _ = f.Seek(-4096, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// readPidFile reads the data folder's postmaster.pid: pid, data folder, start time, port, socket
// folder, listen address, shared memory key, status.
func readPidFile(data string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n"), nil
}
