package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
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
	// pollEvery: a poll walks lambdas/ (about 2 ms here, BenchmarkFingerprint), so this is 1 % of a
	// core while idle, and a save is seen 0.1 s later on average.
	pollEvery  = 200 * time.Millisecond
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
	stage, err := filepath.Abs(o.assembly)
	if err != nil {
		return err
	}
	args := []string{"-assembly", stage, "-addr", addr, "-data-dir", o.dataDir, "-web-dir", o.webDir}
	if o.readyFile != "" {
		args = append(args, "-ready-file", o.readyFile)
	}
	for _, c := range o.corsOrigins {
		args = append(args, "-cors-origin", c)
	}
	args = append(args, "-queue-visibility-timeout", o.visibility.String(), "-outbox-interval", o.outboxEvery.String())

	w := watcher{root: root, pkg: "./lambdas/cmd/stratus-local", bin: bin, args: args, env: env, log: log, minUptime: minUptime,
		health: "http://" + addr + "/v1/health"}
	return w.run(ctx)
}

// watcher builds a server program and keeps its latest build running.
type watcher struct {
	root, pkg, bin string   // module root, the server's package (relative to root), its binary
	args, env      []string // the server's command line and environment
	log            *slog.Logger
	minUptime      time.Duration
	// health, when set, is the server's health URL: after a restart the supervisor logs how long
	// each step took once the new server answers it.
	health string
	// afterBuild, when set, runs after each build (tests change files there).
	afterBuild func()
}

// run builds and starts the server, then rebuilds and restarts it on every change, until ctx ends.
func (w watcher) run(ctx context.Context) error {
	seen, _ := fingerprint(w.root)
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
			now, saved := fingerprint(w.root)
			if now == seen {
				continue
			}
			w.log.Info("code changed: rebuilding")
			// Build at once rather than wait for a burst of saves (an editor, a git checkout) to
			// settle: when anything changed during the build, it may have read a half-written
			// tree, so it builds again; only a build of a tree that held still replaces the server.
			var steps restartSteps
			var buildErr error
			for {
				seen = now
				steps.noticed = max(0, time.Since(saved))
				began := time.Now()
				buildErr = w.build(ctx)
				steps.build = time.Since(began)
				if now, saved = fingerprint(w.root); now == seen {
					break
				}
				w.log.Info("more changes during the build: rebuilding")
			}
			if buildErr != nil {
				w.log.Error("build failed; the previous server keeps running", "error", buildErr.Error())
				continue
			}
			began := time.Now()
			server.stop()
			steps.stop, began = time.Since(began), time.Now()
			if server, err = startChild(w.bin, w.args, w.env); err != nil {
				w.log.Error("restart failed", "error", err.Error())
				continue
			}
			go w.logRestart(ctx, server, steps, began)
		}
	}
}

// restartSteps are the durations of a restart's steps: from the save to the start of the build
// (the poll), the build, stopping the old server, starting the new one until it answers.
type restartSteps struct{ noticed, build, stop, start time.Duration }

// logRestart logs the restart's steps once the new server answers its health URL (or, without
// one, at once).
func (w watcher) logRestart(ctx context.Context, c *child, steps restartSteps, started time.Time) {
	if w.health != "" {
		client := &http.Client{Timeout: time.Second}
		for {
			if res, err := client.Get(w.health); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-c.done:
				return // it stopped before it answered; its exit is logged
			case <-time.After(20 * time.Millisecond):
			}
		}
		steps.start = time.Since(started)
	}
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	w.log.Info("restarted with the new code", "noticed", ms(steps.noticed), "build", ms(steps.build), "stop", ms(steps.stop),
		"start", ms(steps.start), "total", ms(steps.noticed+steps.build+steps.stop+steps.start))
}

// build compiles the server (through a temporary file: the running binary is not touched).
func (w watcher) build(ctx context.Context) error {
	if err := os.MkdirAll(filepath.Dir(w.bin), 0o755); err != nil {
		return err
	}
	tmp := w.bin + ".new"
	// -w: no DWARF. Writing it is a fifth of the link, the longest step of a restart; stack
	// traces keep their files and lines (for a debugger, run the server under dlv yourself).
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags=-w", "-o", tmp, w.pkg)
	cmd.Dir = w.root
	out, err := cmd.CombinedOutput()
	if w.afterBuild != nil {
		w.afterBuild()
	}
	if err != nil {
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

// fingerprint hashes the names, sizes and modification times of what the server is built from,
// and returns the latest of those times.
func fingerprint(root string) (uint64, time.Time) {
	h := fnv.New64a()
	var newest time.Time
	note := func(name string, info fs.FileInfo) {
		fmt.Fprintf(h, "%s %d %d\n", name, info.Size(), info.ModTime().UnixNano())
		if info.ModTime().After(newest) {
			newest = info.ModTime()
		}
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if info, err := os.Stat(filepath.Join(root, name)); err == nil {
			note(name, info)
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
			note(path, info)
		}
		return nil
	})
	return h.Sum64(), newest
}

type child struct {
	cmd     *exec.Cmd
	exited  chan error    // its exit status, for the one who waits for it
	done    chan struct{} // closed when it has exited, for anyone
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
	c := &child{cmd: cmd, exited: make(chan error, 1), done: make(chan struct{}), started: time.Now()}
	go func() {
		err := cmd.Wait()
		close(c.done)
		c.exited <- err
	}()
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
