package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/stratus-cdk/stratus/internal/analysis/migrationcheck"
)

// recordMigrations records the goose migrations as shipped: new ones are
// added, edited ones re-recorded, each with the reason. It refuses while the
// destructive-migration check has findings: annotate or fix them first.
func recordMigrations(s *session, path string) ([]string, error) {
	return recordMigrationsIn(migrationcheck.MigrationsDir, path, s.reason)
}

func recordMigrationsIn(dir, path, reason string) ([]string, error) {
	migrations := os.DirFS(dir)
	findings, err := migrationcheck.Check(migrations)
	if err != nil {
		return nil, err
	}
	if len(findings) > 0 {
		return nil, fmt.Errorf("the migrations fail the destructive-migration check; fix or annotate them first:\n%s",
			migrationcheck.Report(findings))
	}
	lock, err := migrationcheck.ReadLock(path)
	if errors.Is(err, fs.ErrNotExist) {
		lock, err = &migrationcheck.Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	changed, err := lock.Record(migrations, reason)
	if err != nil || len(changed) == 0 {
		return nil, err
	}
	return changed, lock.Write(path)
}
