package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/stackproc"
)

// The drill's user: the same every run (each run has a new data folder).
const (
	email    = "restore-drill@example.com"
	password = "Restore-Drill-Password-1"
)

// step is one line of the report.
type step struct {
	name string
	took time.Duration
	what string
}

// drill is one run: the folders, the server, and what each step did.
type drill struct {
	c                  config
	out                io.Writer
	dir                string // the drill's folder
	data, backup       string // the server's data folder and the backup, inside dir
	keep               bool   // dir was given: never removed
	srv                *stackproc.Server
	client             *http.Client
	steps              []step
	dumpBytes, objSize int64
}

func newDrill(c config, out io.Writer) (*drill, error) {
	d := &drill{c: c, out: out, dir: c.dataDir, keep: c.dataDir != ""}
	if d.keep {
		if entries, err := os.ReadDir(d.dir); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("-data-dir %s is not empty: the drill deletes what it restores, so it wants a folder of its own", d.dir)
		}
		if err := os.MkdirAll(d.dir, 0o711); err != nil {
			return nil, err
		}
	} else {
		dir, err := os.MkdirTemp("", "stratus-restore-drill-")
		if err != nil {
			return nil, err
		}
		d.dir = dir
	}
	// Under root the cluster runs as `postgres`, which must pass through the folders.
	if err := os.Chmod(d.dir, 0o711); err != nil {
		return nil, err
	}
	d.data, d.backup = filepath.Join(d.dir, "data"), filepath.Join(d.dir, "backup")
	for _, dir := range []string{d.data, d.backup} {
		if err := os.Mkdir(dir, 0o711); err != nil {
			return nil, err
		}
	}
	stage, err := filepath.Abs(c.assembly)
	if err != nil {
		return nil, err
	}
	// Quick retries of the worker's queue: the drill waits for every upload to be checked.
	d.srv = &stackproc.Server{Bin: c.bin, DataDir: d.data,
		ExtraArgs: []string{"-assembly", stage, "-queue-visibility-timeout", "2s", "-outbox-interval", "2s"}}
	d.client = &http.Client{Timeout: perRequest, Transport: &http.Transport{MaxIdleConnsPerHost: c.clients}}
	return d, nil
}

func (d *drill) close() { d.srv.Stop() }

// cleanUp removes the drill's folder after a passing run, unless it was given.
func (d *drill) cleanUp() {
	d.srv.Stop()
	if !d.keep {
		_ = os.RemoveAll(d.dir)
	}
}

// timed runs one step and records it; a failed step is an error naming it.
func (d *drill) timed(name string, f func() (string, error)) error {
	start := time.Now()
	what, err := f()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	d.steps = append(d.steps, step{name: name, took: time.Since(start), what: what})
	return nil
}

func (d *drill) run(ctx context.Context) (verdict, error) {
	c := d.c
	fmt.Fprintf(d.out, "Stratus restore drill: %d items and %d uploads through the API; backup, destroy, restore, check\n", c.items, c.uploads)
	fmt.Fprintf(d.out, "server %s, folder %s, loopback only\n\n", c.bin, d.dir)
	start := time.Now()
	var w *written
	var a *api
	if err := d.timed("write", func() (string, error) {
		if err := d.srv.Start(ctx); err != nil {
			return "", err
		}
		token, err := stackproc.SignUp(ctx, d.srv.URLs(), email, password)
		if err != nil {
			return "", err
		}
		a = &api{client: d.client, base: d.srv.URLs().API, token: token}
		w = writeAll(ctx, a, c.items, c.uploads, c.clients)
		if len(w.failed) > 0 {
			return "", fmt.Errorf("%d writes were never acknowledged (the drill needs every write acknowledged before the backup), e.g.:\n  %s%s",
				len(w.failed), strings.Join(w.failed[:min(5, len(w.failed))], "\n  "), d.srv.LastLogLines())
		}
		if err := waitChecked(ctx, a, d.srv.URLs(), w, time.Minute); err != nil {
			return "", fmt.Errorf("%w%s", err, d.srv.LastLogLines())
		}
		return fmt.Sprintf("%d items (201) and %d uploads (presigned PUT 200) acknowledged; the worker marked every upload ready", len(w.acked), len(w.uploaded)), nil
	}); err != nil {
		return verdict{}, err
	}

	dump, objects := filepath.Join(d.backup, "stratus.dump"), filepath.Join(d.backup, "objects")
	if err := d.timed("backup", func() (string, error) {
		// The database first, then the files: every object the dump's index names is on disk before
		// its row commits and is never rewritten (an attachment's key is new), so the copy has it.
		if err := dumpDatabase(ctx, d.srv.URLs().Database, dump); err != nil {
			return "", err
		}
		info, err := os.Stat(dump)
		if err != nil {
			return "", err
		}
		d.dumpBytes = info.Size()
		files, bytes, err := copyTree(filepath.Join(d.data, "objects"), objects)
		if err != nil {
			return "", fmt.Errorf("copying the object store: %w", err)
		}
		n, err := objectFiles(objects)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("pg_dump of the database: %s; the object store: %d objects, %d files, %s, copied", kib(d.dumpBytes), n, files, kib(bytes)), nil
	}); err != nil {
		return verdict{}, err
	}

	if err := d.timed("destroy", func() (string, error) {
		d.srv.Stop()
		cluster := size(filepath.Join(d.data, "postgres"))
		for _, gone := range []string{"postgres", "objects"} {
			if err := os.RemoveAll(filepath.Join(d.data, gone)); err != nil {
				return "", err
			}
			if _, err := os.Stat(filepath.Join(d.data, gone)); !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("%s is still there after its removal (%v)", gone, err)
			}
		}
		return fmt.Sprintf("server stopped; its PostgreSQL cluster (%s) and object store deleted", kib(cluster)), nil
	}); err != nil {
		return verdict{}, err
	}

	if err := d.timed("restore", func() (string, error) {
		logFile, err := os.Create(filepath.Join(d.dir, "restore-postgres.log"))
		if err != nil {
			return "", err
		}
		defer logFile.Close()
		if err := restoreDatabase(ctx, filepath.Join(d.data, "postgres"), dump, slog.New(slog.NewTextHandler(logFile, nil))); err != nil {
			return "", fmt.Errorf("%w%s", err, stackproc.LastLines(logFile.Name()))
		}
		if _, _, err := copyTree(objects, filepath.Join(d.data, "objects")); err != nil {
			return "", fmt.Errorf("copying the objects back: %w", err)
		}
		if err := d.srv.Start(ctx); err != nil {
			return "", err
		}
		return "a new cluster (initdb), pg_restore in one transaction; the objects copied back; the server started on them", nil
	}); err != nil {
		return verdict{}, err
	}

	var st *state
	if err := d.timed("verify", func() (string, error) {
		// Signing in again proves the users came back; the old token would be checked by keys that did too.
		token, err := stackproc.SignIn(ctx, d.srv.URLs(), email, password)
		if err != nil {
			return "", fmt.Errorf("the drill's user cannot sign in after the restore: %w", err)
		}
		a.token, a.base = token, d.srv.URLs().API
		st = &state{replays: map[string]string{}}
		if st.items, err = readItems(ctx, a); err != nil {
			return "", err
		}
		if st.attachments, err = readAttachments(ctx, a, uploadedItems(w)); err != nil {
			return "", err
		}
		if st.objects, err = readObjects(ctx, d.srv.URLs().Database, filepath.Join(d.data, "objects")); err != nil {
			return "", err
		}
		for i := 1; i <= c.replays; i++ {
			if _, ok := w.acked[title(i)]; !ok {
				continue
			}
			id, _, err := a.createItem(ctx, title(i))
			if err != nil {
				return "", fmt.Errorf("retrying an acknowledged create after the restore: %w", err)
			}
			st.replays[title(i)] = id
		}
		n := 0
		for _, ids := range st.items {
			n += len(ids)
		}
		return fmt.Sprintf("signed in again; %d items and the attachments of %d listed through the API, %d objects of the restored index read and hashed, %d creates retried",
			n, len(st.attachments), len(st.objects), len(st.replays)), nil
	}); err != nil {
		return verdict{}, err
	}
	v := judge(w, st)
	report(d.out, d.steps, v, time.Since(start))
	return v, nil
}

// kib formats a size in KiB (MiB from 1 MiB).
func kib(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(n)/1024)
}
