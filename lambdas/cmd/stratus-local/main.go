// Command local runs the whole reference application on this machine, no AWS account needed
// (`make dev`): the web app, the API handlers behind a JWKS-verifying authorizer, a local Cognito
// issuer, PostgreSQL with the migrations applied, event delivery to the worker with retries and a
// dead-letter list, and presigned uploads. See package internal/local/devstack for what stands in for what.
// It runs one synthesized stage: every setting a stand-in emulates is read from that stage's templates
// (package internal/local/mapping), so `make dev STAGE=Prod` signs users in as Prod's pool does.
//
//	make synth STAGE=Prod && go run ./lambdas/cmd/stratus-local -assembly cdk.out/assembly-Prod -watch
//
// Flags:
//
//	-assembly    the synthesized stage to run (default cdk.out/assembly-Dev; a folder of templates,
//	             such as the golden test/testdata/Dev, works too)
//	-addr        listen address (default 127.0.0.1:8080; port 0 picks a free one)
//	-data-dir    where users, data, queued events and uploads are kept (default .tmp/dev)
//	-web-dir     the built web app (default web/dist; `make web` builds it)
//	-ready-file  write the URLs as JSON to this file once serving (for scripts and tests)
//	-cors-origin an extra origin allowed to call the API (repeatable; e.g. the Vite dev server)
//	-watch       rebuild and restart the server when Go code under lambdas/ changes, and when it crashes
//	-queue-visibility-timeout, -outbox-interval
//	             shorten the stage's queue visibility timeout and outbox schedule, to retry sooner
//	             (the fault suite's short form does)
//
// DATABASE_URL, when set, names the PostgreSQL database to use instead of a cluster in the data
// folder. Ctrl-C shuts down cleanly: requests and the worker's batch in flight finish, queued
// events are kept for the next run.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/devstack"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/mapping"
)

type options struct {
	assembly                         string
	addr, dataDir, webDir, readyFile string
	corsOrigins                      []string
	watch                            bool
	visibility, outboxEvery          time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.assembly, "assembly", filepath.Join("cdk.out", "assembly-Dev"), "the synthesized stage to run (make synth STAGE=Dev writes cdk.out/assembly-Dev)")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address (port 0 picks a free one)")
	flag.StringVar(&o.dataDir, "data-dir", ".tmp/dev", "folder for the database, users, queued events and uploads")
	flag.StringVar(&o.webDir, "web-dir", "web/dist", "the built web app")
	flag.StringVar(&o.readyFile, "ready-file", "", "write the URLs as JSON to this file once serving")
	flag.Func("cors-origin", "an extra origin allowed to call the API (repeatable)", func(v string) error {
		o.corsOrigins = append(o.corsOrigins, v)
		return nil
	})
	flag.BoolVar(&o.watch, "watch", false, "rebuild and restart when Go code under lambdas/ changes, and when the server crashes")
	flag.DurationVar(&o.visibility, "queue-visibility-timeout", 0, "how long a message the worker received stays hidden (default: the stage's queue's)")
	flag.DurationVar(&o.outboxEvery, "outbox-interval", 0, "how often the outbox relay runs (default: the stage's schedule)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A stage that cannot run is said once, before anything starts.
	if _, err := mapping.Read(o.assembly); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
	var err error
	if o.watch {
		err = supervise(ctx, o, log)
	} else {
		err = serve(ctx, o, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// serve runs the stack until ctx ends.
func serve(ctx context.Context, o options, log *slog.Logger) error {
	stage, err := mapping.Read(o.assembly)
	if err != nil {
		return err
	}
	stack, err := devstack.Start(ctx, devstack.Config{
		Stage: stage, Addr: o.addr, DataDir: o.dataDir, WebDir: o.webDir, DatabaseURL: os.Getenv(contract.EnvDatabaseURL),
		CORSOrigins: o.corsOrigins, QueueVisibilityTimeout: o.visibility, OutboxInterval: o.outboxEvery, Logger: log,
	})
	if err != nil {
		return err
	}
	printURLs(stack.URLs, o.webDir)
	if o.readyFile != "" {
		b, _ := json.MarshalIndent(stack.URLs, "", "  ")
		if err := os.WriteFile(o.readyFile, b, 0o600); err != nil {
			stack.Shutdown(context.Background())
			return err
		}
	}
	select {
	case <-ctx.Done():
	case err = <-stack.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stack.Shutdown(shutdownCtx)
	return err
}

func printURLs(u devstack.URLs, webDir string) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nStratus is running locally (Ctrl-C stops it)\n\n")
	fmt.Fprintf(&b, "  web app        %s\n", u.Site)
	if _, err := os.Stat(filepath.Join(webDir, "index.html")); err != nil {
		fmt.Fprintf(&b, "                 (not built: run `make web`)\n")
	}
	fmt.Fprintf(&b, "  API            %s   (GET %shealth)\n", u.API, u.API)
	fmt.Fprintf(&b, "  Cognito        %s   (JWKS %s)\n", u.Cognito, u.JWKS)
	fmt.Fprintf(&b, "  mailbox        %s   (sign-up confirmation codes)\n", u.Mailbox)
	fmt.Fprintf(&b, "  dead letters   %s   (POST to redrive)\n", u.DeadLetters)
	fmt.Fprintf(&b, "  database       %s\n\n", u.Database)
	fmt.Fprint(os.Stderr, b.String())
}
