package pgserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// lockDir takes the folder's exclusive lock, which the kernel releases when this process ends.
// The holder's pid is written into the file for the error message of the next comer.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "pgserver.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(f.Name())
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("the PostgreSQL cluster in %s is in use by another process (pid %s): stop it first", dir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// clearOrphans shuts down every process still running on the data folder (with the lock ours,
// none of them belongs to a live Server): the postmaster cleanly (fast shutdown) if it is there,
// backends left by a killed postmaster with SIGQUIT, anything still there after that with SIGKILL.
// Then it removes a postmaster.pid that outlived its process, which would otherwise stop the next
// start when its pid has been reused by an unrelated process.
func (s *Server) clearOrphans() error {
	procs := processesIn(s.data)
	if len(procs) > 0 {
		postmasterPid := 0
		if lines, err := readPidFile(s.data); err == nil {
			postmasterPid, _ = strconv.Atoi(lines[0])
		}
		s.log.Warn("stopping a PostgreSQL an earlier run left on the data folder", "data", s.data, "pids", procs)
		if slices.Contains(procs, postmasterPid) {
			// The postmaster shuts its backends down itself, with a checkpoint.
			_ = syscall.Kill(postmasterPid, syscall.SIGINT)
			procs = waitGone(s.data, 30*time.Second)
		}
		for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGKILL} {
			if len(procs) == 0 {
				break
			}
			for _, pid := range procs {
				_ = syscall.Kill(pid, sig)
			}
			procs = waitGone(s.data, 5*time.Second)
		}
		if len(procs) > 0 {
			return fmt.Errorf("processes %v still run on %s after SIGKILL", procs, s.data)
		}
	}
	if err := os.Remove(filepath.Join(s.data, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// waitGone waits until no process runs on data, or within passes; it returns those left.
func waitGone(data string, within time.Duration) []int {
	deadline := time.Now().Add(within)
	for {
		procs := processesIn(data)
		if len(procs) == 0 || time.Now().After(deadline) {
			return procs
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesIn lists the processes whose working directory is data: PostgreSQL's postmaster and
// every backend it forks change into the data folder, and nothing else has reason to.
func processesIn(data string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == data {
			pids = append(pids, pid)
		}
	}
	return pids
}
