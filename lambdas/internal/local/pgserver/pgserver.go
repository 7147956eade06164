// Package pgserver runs a PostgreSQL cluster of the installed server (initdb and pg_ctl) in a
// folder of the caller's, on a free loopback port: a throwaway cluster for the tests (package
// pgtest) and the local stack's database (`make dev`, package devstack), which keeps its folder
// between runs.
//
// When run as root (CI), the cluster runs as the unprivileged `postgres` account that Debian's
// `postgresql` package creates, because initdb refuses to run as root. A missing server or account
// is an error naming the package to install.
package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
)

// Options tune [Start].
type Options struct {
	// Throwaway turns off fsync and full-page writes: fast, and a crash may corrupt the cluster.
	// Default: false (commits are still not waited for: synchronous_commit=off).
	Throwaway bool
}

// Server is a running cluster.
type Server struct {
	// DSN reaches the `postgres` database as the `postgres` superuser (trust authentication, loopback only).
	DSN string

	dir, bin string
	asUser   string // "" to run as the current user
}

// Start initialises a cluster in dir/data unless one is there, and starts it on a free port with
// its socket and log (dir/server.log) in dir. dir is created if needed.
func Start(dir string, opts Options) (*Server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root and there is no `postgres` account for initdb (it refuses root): install the Debian package `postgresql` (apt-get install postgresql), or set DATABASE_URL")
		}
		s.asUser = "postgres"
	}
	// The folders above stay searchable: under root the server runs as `postgres`.
	if err := os.MkdirAll(filepath.Dir(dir), 0o711); err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if s.asUser != "" {
		// The server's user must pass through the folder above (often a private 0700 temp dir).
		if info, err := os.Stat(filepath.Dir(dir)); err == nil && info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(filepath.Dir(dir), info.Mode().Perm()|0o001); err != nil {
				return nil, err
			}
		}
		if out, err := exec.Command("chown", "-R", s.asUser, dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown %s: %v: %s", dir, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
		if out, err := s.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
			hint := ""
			if s.asUser != "" {
				hint = fmt.Sprintf("\n(initdb runs as %q: every folder above %s must be searchable by it, e.g. chmod o+x)", s.asUser, dir)
			}
			return nil, fmt.Errorf("initdb: %v\n%s%s", err, out, hint)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	settings := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=200", port, dir)
	if opts.Throwaway {
		settings += " -c fsync=off -c full_page_writes=off"
	}
	logFile := filepath.Join(dir, "server.log")
	if out, err := s.cmd("pg_ctl", "-D", data, "-o", settings, "-l", logFile, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		logs, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, logs)
	}
	s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return s, nil
}

// Stop shuts the cluster down: immediately (no checkpoint) when fast, else cleanly.
func (s *Server) Stop(fast bool) error {
	mode := "fast"
	if fast {
		mode = "immediate"
	}
	if out, err := s.cmd("pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", mode, "-w", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

func (s *Server) cmd(name string, args ...string) *exec.Cmd {
	path := filepath.Join(s.bin, name)
	if s.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
