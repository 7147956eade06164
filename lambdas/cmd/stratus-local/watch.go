package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/devstack"
)

const (
	pollEvery  = 500 * time.Millisecond
	settleTime = 300 * time.Millisecond // a burst of saves (an editor, a git checkout) makes one rebuild
	stopWithin = 25 * time.Second
	// minUptime: a server that crashes (a kill -9, a panic) after running this long is started
	// again at once; one that dies sooner is failing to start, and waits for a code change.
	minUptime = 5 * time.Second
)

// supervise builds the server, runs it, and rebuilds and restarts it whenever the Go code, SQL
// migrations or module files under the module root change, or when it crashes. A build that fails
// leaves the running server alone. The database runs in this process, so restarts take a moment, not a cluster start.
func supervise(ctx context.Context, o options, log *slog.Logger) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	env := os.Environ()
	if os.Getenv(contract.EnvDatabaseURL) == "" {
		pg, dsn, err := devstack.StartDatabase(ctx, filepath.Join(o.dataDir, "postgres"), log)
		if pg != nil {
			defer func() {
				if err := pg.Stop(false); err != nil {
					log.Warn("postgres stop", "error", err.Error())
				}
			}()
		}
		if err != nil {
			return err
		}
		env = append(env, "DATABASE_URL="+dsn)
	}
	bin, err := filepath.Abs(filepath.Join(o.dataDir, "bin", "stratus-local"))
	if err != nil {
		return err
	}
	addr, err := fixedPort(o.addr)
	if err != nil {
		return err
	}
	args := []string{"-addr", addr, "-data-dir", o.dataDir, "-web-dir", o.webDir}
	if o.readyFile != "" {
		args = append(args, "-ready-file", o.readyFile)
	}
	for _, c := range o.corsOrigins {
		args = append(args, "-cors-origin", c)
	}
	args = append(args, "-queue-visibility-timeout", o.visibility.String(), "-outbox-interval", o.outboxEvery.String())

	w := watcher{root: root, pkg: "./lambdas/cmd/stratus-local", bin: bin, args: args, env: env, log: log, minUptime: minUptime}
	return w.run(ctx)
}

// watcher builds a server program and keeps its latest build running.
type watcher struct {
	root, pkg, bin string   // module root, the server's package (relative to root), its binary
	args, env      []string // the server's command line and environment
	log            *slog.Logger
	minUptime      time.Duration
}

// run builds and starts the server, then rebuilds and restarts it on every change, until ctx ends.
func (w watcher) run(ctx context.Context) error {
	seen := fingerprint(w.root)
	if err := w.build(ctx); err != nil {
		return err
	}
	server, err := startChild(w.bin, w.args, w.env)
	if err != nil {
		return err
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		var exited <-chan error
		if server != nil {
			exited = server.exited
		}
		select {
		case <-ctx.Done():
			server.stop()
			return nil
		case err := <-exited:
			if time.Since(server.started) < w.minUptime {
				w.log.Error("the server stopped soon after its start; it restarts when the code changes", "error", fmt.Sprint(err))
				server = nil
				continue
			}
			w.log.Warn("the server stopped unexpectedly: starting it again", "error", fmt.Sprint(err))
			if server, err = startChild(w.bin, w.args, w.env); err != nil {
				w.log.Error("restart failed", "error", err.Error())
			}
		case <-tick.C:
			if fingerprint(w.root) == seen {
				continue
			}
			time.Sleep(settleTime)
			seen = fingerprint(w.root)
			w.log.Info("code changed: rebuilding")
			if err := w.build(ctx); err != nil {
				w.log.Error("build failed; the previous server keeps running", "error", err.Error())
				continue
			}
			server.stop()
			if server, err = startChild(w.bin, w.args, w.env); err != nil {
				w.log.Error("restart failed", "error", err.Error())
			}
		}
	}
}

// build compiles the server (through a temporary file: the running binary is not touched).
func (w watcher) build(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Dir(w.bin), 0o755); err != nil {
		return err
	}
	tmp := w.bin + ".new"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, w.pkg)
	cmd.Dir = w.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return os.Rename(tmp, w.bin)
}

// fixedPort checks that addr is free now (a clear error before any build) and replaces port 0
// with a free port, so every restart of the server listens where the first one did.
func fixedPort(addr string) (string, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("cannot listen on %s (is another server running there? pick another address with -addr or DEV_ADDR): %w", addr, err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("-watch needs to run inside the module (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// fingerprint hashes the names, sizes and modification times of what the server is built from.
func fingerprint(root string) uint64 {
	h := fnv.New64a()
	for _, name := range []string{"go.mod", "go.sum"} {
		if info, err := os.Stat(filepath.Join(root, name)); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", name, info.Size(), info.ModTime().UnixNano())
		}
	}
	_ = filepath.WalkDir(filepath.Join(root, "lambdas"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if name := d.Name(); strings.HasSuffix(name, "_test.go") || (!strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, ".sql")) {
			return nil
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return h.Sum64()
}

type child struct {
	cmd     *exec.Cmd
	exited  chan error
	started time.Time
}

// startChild runs the server in its own process group, so a Ctrl-C in the terminal reaches only
// the supervisor, which then stops the server once.
func startChild(bin string, args, env []string) (*child, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, exited: make(chan error, 1), started: time.Now()}
	go func() { c.exited <- cmd.Wait() }()
	return c, nil
}

// stop asks the server to shut down (SIGINT) and kills it if it has not within stopWithin.
func (c *child) stop() {
	if c == nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(stopWithin):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}
