// Command faults is the local stack's fault suite (`make faults`): it starts bin/stratus-local on a
// loopback port and a data folder of its own, signs a user up, and drives concurrent authenticated
// creates, each with a unique Idempotency-Key and retried until acknowledged, while it kills the
// server with SIGKILL (and starts it again on the same folder) and kills its PostgreSQL postmaster
// with SIGKILL (the server starts it again). Once the writes are done and the queue drained, it
// checks that every write answered 201 exists exactly once and every item has exactly one
// item.created activity entry, and prints a table: what the clients saw during each fault, and
// acknowledged, lost and duplicated writes and events. It exits 1 on any loss, duplicate, dead
// letter or failed recovery.
//
//	go run ./lambdas/cmd/faults -bin bin/stratus-local            # the full run: 3 server kills, 2 PostgreSQL kills
//	go run ./lambdas/cmd/faults -bin bin/stratus-local -short     # the short form `make test` runs
//
// It is bounded: a fixed number of writes, a time limit per write and for the whole run (-timeout),
// and it talks to nothing but the server it started (every URL must be a loopback address).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

type config struct {
	bin, dataDir, assembly  string
	writes, clients         int
	serverKills, pgKills    int
	visibility, outboxEvery time.Duration // the server's; zero keeps the stage's
	timeout                 time.Duration
}

// devStage is the stage the suite runs by default: Dev's golden templates, which the snapshot test
// keeps equal to what `make synth STAGE=Dev` writes (so the suite needs no synth).
const devStage = "test/testdata/Dev"

// fullRun and shortRun are the two forms; flags override their fields.
func fullRun() config {
	return config{assembly: devStage, writes: 2000, clients: 8, serverKills: 3, pgKills: 2, timeout: 15 * time.Minute}
}

// shortRun fits in a minute on a 2-core machine: fewer writes, one fault of each kind, and retries
// sooner than the deployed queue (2 s visibility timeout, outbox every 2 s).
func shortRun() config {
	return config{assembly: devStage, writes: 300, clients: 8, serverKills: 1, pgKills: 1, visibility: 2 * time.Second, outboxEvery: 2 * time.Second, timeout: 3 * time.Minute}
}

func main() {
	c := fullRun()
	short := flag.Bool("short", false, "the short form: 300 writes, one server kill, one PostgreSQL kill, quick retries (other flags still apply)")
	flag.StringVar(&c.bin, "bin", "bin/stratus-local", "the local server (`make` builds it)")
	flag.StringVar(&c.assembly, "assembly", c.assembly, "the synthesized stage the server runs (a cloud assembly, or a folder of its templates)")
	flag.StringVar(&c.dataDir, "data-dir", "", "the server's data folder (default: a new temporary folder, removed after a passing run)")
	flag.IntVar(&c.writes, "writes", c.writes, "creates to make")
	flag.IntVar(&c.clients, "clients", c.clients, "concurrent clients")
	flag.IntVar(&c.serverKills, "server-kills", c.serverKills, "times to kill -9 the server")
	flag.IntVar(&c.pgKills, "pg-kills", c.pgKills, "times to kill -9 PostgreSQL")
	flag.DurationVar(&c.visibility, "queue-visibility-timeout", c.visibility, "the server's queue visibility timeout (0: the stage's)")
	flag.DurationVar(&c.outboxEvery, "outbox-interval", c.outboxEvery, "the server's outbox interval (0: the stage's schedule)")
	flag.DurationVar(&c.timeout, "timeout", c.timeout, "bound of the whole run")
	flag.Parse()
	if *short {
		s := shortRun()
		stackproc.ShortForm(map[string]func(){
			"writes": func() { c.writes = s.writes }, "clients": func() { c.clients = s.clients },
			"server-kills": func() { c.serverKills = s.serverKills }, "pg-kills": func() { c.pgKills = s.pgKills },
			"queue-visibility-timeout": func() { c.visibility = s.visibility }, "outbox-interval": func() { c.outboxEvery = s.outboxEvery },
			"timeout": func() { c.timeout = s.timeout },
		})
	}
	if c.writes < 1 || c.clients < 1 || c.serverKills < 0 || c.pgKills < 0 || c.timeout <= 0 {
		fmt.Fprintf(os.Stderr, "faults: -writes and -clients must be at least 1, the kills not negative, -timeout positive (got %d, %d, %d, %d, %s)\n",
			c.writes, c.clients, c.serverKills, c.pgKills, c.timeout)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	v, err := run(ctx, c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	if !v.pass() {
		os.Exit(1)
	}
}

// run drives one suite and prints its table to out; err is a failure to run it (a server that did
// not start or recover), the verdict says what was lost.
func run(ctx context.Context, c config, out io.Writer) (verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	keep := c.dataDir != ""
	if !keep {
		dir, err := os.MkdirTemp("", "stratus-faults-")
		if err != nil {
			return verdict{}, err
		}
		// Under root the cluster runs as `postgres`, which must pass through the folder.
		if err := os.Chmod(dir, 0o711); err != nil {
			return verdict{}, err
		}
		c.dataDir = dir
	}
	stage, err := filepath.Abs(c.assembly)
	if err != nil {
		return verdict{}, err
	}
	extra := []string{"-assembly", stage}
	if c.visibility > 0 {
		extra = append(extra, "-queue-visibility-timeout", c.visibility.String())
	}
	if c.outboxEvery > 0 {
		extra = append(extra, "-outbox-interval", c.outboxEvery.String())
	}
	srv := &stackproc.Server{Bin: c.bin, DataDir: c.dataDir, ExtraArgs: extra}
	defer srv.Stop()
	fmt.Fprintf(out, "Stratus fault suite: %d writes by %d clients; %d server kills and %d PostgreSQL kills (SIGKILL)\n",
		c.writes, c.clients, c.serverKills, c.pgKills)
	fmt.Fprintf(out, "server %s, data folder %s, loopback only\n\n", c.bin, c.dataDir)
	if err := srv.Start(ctx); err != nil {
		return verdict{}, err
	}
	runID := time.Now().UTC().Format("20060102T150405")
	token, err := stackproc.SignUp(ctx, srv.URLs(), "faults-"+runID+"@example.com", "Fault-Suite-Password-1")
	if err != nil {
		return verdict{}, err
	}

	client := &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c.clients}}
	ph := &phases{}
	ph.begin("steady")
	w := &writes{client: client, api: func() string { return srv.URLs().API }, token: token, runID: runID,
		total: c.writes, perWrite: 3 * time.Minute, phases: ph}
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); w.run(ctx, c.clients) }()
	faultErr := inject(ctx, c, srv, w, ph)
	<-loadDone
	ph.finish()
	if faultErr != nil {
		return verdict{}, faultErr
	}

	// The longest an event can wait: an outbox row left by a failed publish (two runs of the
	// relay), then a message received by a worker that died (twice the visibility timeout).
	visibility, outboxEvery := or(c.visibility, time.Minute), or(c.outboxEvery, time.Minute)
	st, took, err := waitDrained(ctx, client, srv.URLs(), token, 2*outboxEvery+2*visibility+30*time.Second)
	if err != nil {
		return verdict{}, fmt.Errorf("reading the results: %w", err)
	}
	v := judge(w, st)
	report(out, ph, v, took)
	if v.pass() && !keep {
		srv.Stop()
		_ = os.RemoveAll(c.dataDir)
	}
	return v, nil
}

// inject spreads the kills evenly over the writes, alternating server and PostgreSQL, each at the
// moment the writes reach its share, while the clients keep writing.
func inject(ctx context.Context, c config, srv *stackproc.Server, w *writes, ph *phases) error {
	var plan []string
	for s, p := c.serverKills, c.pgKills; s+p > 0; {
		if s > 0 && (s >= p) {
			plan, s = append(plan, "server"), s-1
		} else {
			plan, p = append(plan, "postgres"), p-1
		}
	}
	counts := map[string]int{}
	for j, kind := range plan {
		at := int64(c.writes * (j + 1) / (len(plan) + 1))
		for w.done.Load() < at {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			time.Sleep(5 * time.Millisecond)
		}
		counts[kind]++
		switch kind {
		case "server":
			ph.begin(fmt.Sprintf("server kill %d", counts[kind]))
			if err := srv.Kill9(); err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return fmt.Errorf("restart after kill -9 #%d: %w", counts[kind], err)
			}
		case "postgres":
			ph.begin(fmt.Sprintf("postgres kill %d", counts[kind]))
			pid, err := srv.KillPostgres()
			if err != nil {
				return err
			}
			if err := srv.WaitRecovered(ctx, pid); err != nil {
				return fmt.Errorf("recovery after PostgreSQL kill #%d: %w", counts[kind], err)
			}
		}
		ph.begin("steady")
	}
	return nil
}

func or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
