// Command restoredrill rehearses a restore of the local stack (`make restore-drill`): it starts
// bin/stratus-local on a loopback port and a data folder of its own, signs a user up, and through the
// API writes a known set of items (each with its own Idempotency-Key) and of attachments uploaded
// through the presigned-PUT path the local uploads bucket emulates, and waits until the worker has
// checked every upload. Then it
//
//  1. backs up, with the server running: pg_dump of the application's database (the items, the
//     users, the idempotency keys, the object index), then a copy of the stored objects' files;
//  2. destroys: stops the server and deletes its PostgreSQL cluster and its object store;
//  3. restores: a new cluster (initdb) with the database pg_restore'd into it, the objects copied
//     back, and the server started again on them;
//  4. checks through the API, signed in again, that every acknowledged item and upload is there
//     exactly once (the item with its id, the attachment ready with its size, the object's bytes
//     those the PUT was acknowledged with), and that retrying acknowledged writes with their
//     Idempotency-Keys answers the same items.
//
// It prints the counts (written, acknowledged, restored, lost, duplicated) and each step's duration,
// and exits 1 on any loss or duplicate, or when a step fails (with what failed and the server's last
// log lines).
//
//	go run ./lambdas/cmd/restoredrill -bin bin/stratus-local          # the full run: 1,000 items, 200 uploads
//	go run ./lambdas/cmd/restoredrill -bin bin/stratus-local -short   # the short form `make test` runs
//
// It rehearses the local stack's stores, not AWS Backup (see the README's "Backups and restore"). It
// is bounded (a fixed amount of data, a time per request and for the whole run: -timeout) and
// deterministic (the same titles, files and bytes every run), and it talks to nothing but the
// server and the cluster it started (every URL must be a loopback address).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

type config struct {
	bin, dataDir, assembly string
	items, uploads         int
	clients                int
	replays                int // acknowledged writes retried after the restore
	timeout                time.Duration
}

// devStage is the stage the drill runs by default: Dev's golden templates, which the snapshot test
// keeps equal to what `make synth STAGE=Dev` writes (so the drill needs no synth).
const devStage = "test/testdata/Dev"

func fullRun() config {
	return config{assembly: devStage, items: 1000, uploads: 200, clients: 8, replays: 50, timeout: 10 * time.Minute}
}

// shortRun is the form `make test` runs: a few seconds of data, the same steps.
func shortRun() config {
	return config{assembly: devStage, items: 60, uploads: 15, clients: 8, replays: 10, timeout: 2 * time.Minute}
}

func main() {
	c := fullRun()
	short := flag.Bool("short", false, "the short form: 60 items, 15 uploads, 10 replays, a 2-minute bound (other flags still apply)")
	flag.StringVar(&c.bin, "bin", "bin/stratus-local", "the local server (`make` builds it)")
	flag.StringVar(&c.assembly, "assembly", c.assembly, "the synthesized stage the server runs (a cloud assembly, or a folder of its templates)")
	flag.StringVar(&c.dataDir, "data-dir", "", "the drill's folder: the server's data and the backup (default: a new temporary folder, removed after a passing run); must not exist or be empty")
	flag.IntVar(&c.items, "items", c.items, "items to create")
	flag.IntVar(&c.uploads, "uploads", c.uploads, "of those items, how many get an attachment uploaded")
	flag.IntVar(&c.clients, "clients", c.clients, "concurrent clients while writing")
	flag.IntVar(&c.replays, "replays", c.replays, "acknowledged creates retried with their Idempotency-Key after the restore")
	flag.DurationVar(&c.timeout, "timeout", c.timeout, "bound of the whole run")
	flag.Parse()
	if *short {
		s := shortRun()
		stackproc.ShortForm(map[string]func(){
			"items": func() { c.items = s.items }, "uploads": func() { c.uploads = s.uploads },
			"clients": func() { c.clients = s.clients }, "replays": func() { c.replays = s.replays },
			"timeout": func() { c.timeout = s.timeout },
		})
	}
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "restore-drill:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	v, err := run(ctx, c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "restore-drill: FAIL:", err)
		os.Exit(1)
	}
	if !v.pass() {
		os.Exit(1)
	}
}

func (c config) check() error {
	if c.items < 1 || c.uploads < 0 || c.uploads > c.items || c.clients < 1 || c.replays < 0 || c.replays > c.items || c.timeout <= 0 {
		return fmt.Errorf("-items must be at least 1, -uploads and -replays between 0 and -items, -clients at least 1, -timeout positive (got %d, %d, %d, %d, %s)",
			c.items, c.uploads, c.replays, c.clients, c.timeout)
	}
	return nil
}

// run drives one drill and prints its report to out; err is a step that failed (a server that did
// not start, a backup or restore command that failed, a write never acknowledged), the verdict says
// what the restore lost or duplicated.
func run(ctx context.Context, c config, out io.Writer) (verdict, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	d, err := newDrill(c, out)
	if err != nil {
		return verdict{}, err
	}
	defer d.close()
	v, err := d.run(ctx)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (the drill's bound, -timeout %s, ran out)", err, c.timeout)
	}
	if err == nil && v.pass() {
		d.cleanUp()
	}
	return v, err
}
