// Package pgserver runs a PostgreSQL cluster of the installed server (initdb and postgres) in a
// folder of the caller's, on a free loopback port: a throwaway cluster for the tests (package
// pgtest) and the local stack's database (`make dev`, package devstack), which keeps its folder
// between runs.
//
// The Server owns its postmaster's whole life:
//
//   - One Server per folder: Start takes an exclusive lock (flock) on <dir>/pgserver.lock, held
//     until Stop or until the process ends, however it ends.
//   - The postmaster is a child process, asked to shut down immediately (SIGQUIT) when this
//     process dies, even by kill -9.
//   - Nothing of an earlier run gets in the way: a postmaster or backend still running on the
//     data folder (found by its working directory, which PostgreSQL sets to the data folder) is an
//     orphan once the lock is ours, and is shut down before the new one starts; a postmaster.pid
//     left by a crash, even one naming a live process that is not PostgreSQL, is removed once no
//     process uses the folder. So two postmasters never run on one data folder.
//   - A postmaster that dies (a crash, kill -9) is started again on the same port, so clients
//     reconnect to the same DSN after PostgreSQL's crash recovery.
//
// Commits are durable (fsync and synchronous_commit on) unless Options.Throwaway.
//
// When run as root (CI), the cluster runs as the unprivileged `postgres` account that Debian's
// `postgresql` package creates, because initdb refuses to run as root. A missing server or account
// is an error naming the package to install. Orphans are found through /proc: Linux only.
package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/freeport"
)

// Options tune [Start].
type Options struct {
	// Throwaway turns off fsync, full-page writes and synchronous commits: fast, and a crash may
	// lose or corrupt data. Default: false (every commit is on disk before it is acknowledged).
	Throwaway bool
	// Logger receives a line when an orphan is stopped and when the postmaster is restarted.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Server is a running cluster.
type Server struct {
	// DSN reaches the `postgres` database as the `postgres` superuser (trust authentication, loopback only).
	DSN string

	dir, data, bin string
	cred           *syscall.Credential // nil to run as the current user
	args           []string            // the postmaster's command line after the binary
	lock           *os.File
	log            *slog.Logger

	mu       sync.Mutex
	cur      *postmaster
	stopping bool
	stop     chan struct{} // closed by Stop
	done     chan struct{} // closed when the supervisor returns
}

// Start initialises a cluster in dir/data unless one is there, and starts it on a free port with
// its log (dir/server.log) in dir, after stopping whatever an earlier run left running there.
// dir is created if needed.
func Start(dir string, opts Options) (_ *Server, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, data: filepath.Join(dir, "data"), bin: bin, log: opts.Logger,
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.prepareDir(); err != nil {
		return nil, err
	}
	if s.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.lock.Close()
		}
	}()
	if _, err := os.Stat(filepath.Join(s.data, "PG_VERSION")); err != nil {
		if err := s.initdb(opts.Throwaway); err != nil {
			return nil, err
		}
	} else if s.data, err = filepath.EvalSymlinks(s.data); err != nil {
		return nil, err
	}
	if err := s.clearOrphans(); err != nil {
		return nil, err
	}
	port, err := freeport.Loopback()
	if err != nil {
		return nil, err
	}
	// No Unix socket (-k ""): clients use TCP, and a long folder path cannot break the start.
	s.args = []string{"-D", s.data, "-p", strconv.Itoa(port), "-k", "",
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"}
	if opts.Throwaway {
		s.args = append(s.args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	pm, err := s.launch()
	if err != nil {
		return nil, err
	}
	if err := s.waitReady(pm); err != nil {
		pm.kill()
		return nil, err
	}
	s.cur = pm
	s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	go s.supervise()
	return s, nil
}

// prepareDir makes dir, searchable and owned by the server's account when that is `postgres`.
func (s *Server) prepareDir() error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root and there is no `postgres` account for initdb (it refuses root): install the Debian package `postgresql` (apt-get install postgresql), or set DATABASE_URL")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// The folders above stay searchable: under root the server runs as `postgres`.
	if err := os.MkdirAll(filepath.Dir(s.dir), 0o711); err != nil {
		return err
	}
	if err := os.Mkdir(s.dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if s.cred == nil {
		return nil
	}
	// The server's account must pass through the folder above (often a private 0700 temp dir).
	if info, err := os.Stat(filepath.Dir(s.dir)); err == nil && info.Mode().Perm()&0o001 == 0 {
		if err := os.Chmod(filepath.Dir(s.dir), info.Mode().Perm()|0o001); err != nil {
			return err
		}
	}
	// initdb creates the data folder inside as `postgres`; the server writes nothing else here.
	return os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid))
}

func (s *Server) initdb(throwaway bool) error {
	args := []string{"-D", s.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"}
	if throwaway {
		args = append(args, "--no-sync")
	}
	if out, err := s.command("initdb", args...).CombinedOutput(); err != nil {
		hint := ""
		if s.cred != nil {
			hint = fmt.Sprintf("\n(initdb runs as `postgres`: every folder above %s must be searchable by it, e.g. chmod o+x)", s.dir)
		}
		return fmt.Errorf("initdb: %v\n%s%s", err, out, hint)
	}
	var err error
	s.data, err = filepath.EvalSymlinks(s.data)
	return err
}

// Stop shuts the cluster down: immediately (no checkpoint; crash recovery at the next start) when
// fast, else cleanly. It also releases the folder's lock. It waits at most a minute.
func (s *Server) Stop(fast bool) error {
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.stopping = true
	close(s.stop)
	pm := s.cur
	s.mu.Unlock()
	defer s.lock.Close()
	var err error
	if pm != nil {
		sig := syscall.SIGINT // PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit
		if fast {
			sig = syscall.SIGQUIT // "immediate" shutdown
		}
		err = pm.shutdown(sig, time.Minute)
	}
	<-s.done
	return err
}

// supervise starts the postmaster again whenever it dies, until Stop.
func (s *Server) supervise() {
	defer close(s.done)
	for {
		s.mu.Lock()
		pm := s.cur
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-pm.exited:
		}
		s.log.Warn("PostgreSQL exited unexpectedly: starting it again", "status", pm.cmd.ProcessState.String(), "data", s.data)
		for backoff := 500 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
			err := s.restart()
			if err == nil {
				s.log.Info("PostgreSQL is back", "data", s.data)
				break
			}
			if errors.Is(err, errStopping) {
				return
			}
			s.log.Error("PostgreSQL did not start again; retrying", "error", err.Error(), "in", backoff.String())
			select {
			case <-s.stop:
				return
			case <-time.After(backoff):
			}
		}
	}
}

var errStopping = errors.New("pgserver: stopping")

// restart clears what the dead postmaster left and starts a new one on the same port.
func (s *Server) restart() error {
	if err := s.clearOrphans(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return errStopping
	}
	pm, err := s.launch()
	if err == nil {
		s.cur = pm // Stop from now on signals this one
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := s.waitReady(pm); err != nil {
		return err
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	// Own process group: a Ctrl-C in the terminal reaches this process, which then stops the
	// cluster in order, rather than the postmaster directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	return cmd
}

// Tool is the path of one of the installed server's client programs (pg_dump, pg_restore, psql),
// from the folder Start takes initdb and postgres from, so that a dump and its restore are of the
// server's own version. A missing program is an error naming the package to install.
func Tool(name string) (string, error) {
	bin, err := findBinDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(bin, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("PostgreSQL's %s is not in %s (beside initdb): install the Debian package `postgresql-client` of the server's version", name, bin)
	}
	return p, nil
}

// findBinDir finds initdb: PG_BINDIR, then the newest /usr/lib/postgresql/N/bin, then PATH.
func findBinDir() (string, error) {
	if d := os.Getenv("PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb) found: install the Debian package `postgresql` (apt-get install postgresql), or set DATABASE_URL")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
