// Command migrationlock records the goose migrations in the shipped-migration
// lock (test/migrations.lock.json): new ones are added, edited ones
// re-recorded, each with the reason given. It refuses to record while the
// destructive-migration check has findings. Run it from the repository root:
//
//	go run ./cmd/migrationlock -reason "release 1.4: notes column"
//	make migrations-lock REASON="release 1.4: notes column"
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/stratus-cdk/stratus/internal/migrationcheck"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "migrationlock:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	flags := flag.NewFlagSet("migrationlock", flag.ContinueOnError)
	reason := flags.String("reason", "", "why these migrations ship, or why a shipped one may change (required; kept in the lock)")
	dir := flags.String("dir", migrationcheck.MigrationsDir, "the goose migrations folder")
	lockFile := flags.String("lock", migrationcheck.LockFile, "the lock file")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *reason == "" {
		return errors.New("-reason is required: say why these migrations ship (it is written into the lock)")
	}
	migrations := os.DirFS(*dir)
	findings, err := migrationcheck.Check(migrations)
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return fmt.Errorf("the migrations fail the destructive-migration check; fix or annotate them first:\n%s", migrationcheck.Report(findings))
	}
	lock, err := migrationcheck.ReadLock(*lockFile)
	if errors.Is(err, fs.ErrNotExist) {
		lock, err = &migrationcheck.Lock{}, nil
	}
	if err != nil {
		return err
	}
	changed, err := lock.Record(migrations, *reason)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintf(out, "%s already records every migration in %s\n", *lockFile, *dir)
		return nil
	}
	if err := lock.Write(*lockFile); err != nil {
		return err
	}
	for _, c := range changed {
		fmt.Fprintf(out, "%s: %s\n", *lockFile, c)
	}
	return nil
}
