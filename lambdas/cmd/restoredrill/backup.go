package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/stratus-cdk/stratus/lambdas/internal/local/devstack"
	"github.com/stratus-cdk/stratus/lambdas/internal/local/pgserver"
)

// dumpDatabase writes the database at dsn to file with pg_dump's custom format (a consistent
// snapshot, taken while the server runs, as a scheduled backup is).
func dumpDatabase(ctx context.Context, dsn, file string) error {
	pgDump, err := pgserver.Tool("pg_dump")
	if err != nil {
		return err
	}
	return runTool(ctx, pgDump, "--format=custom", "--file="+file, "--dbname="+dsn)
}

// restoreDatabase makes a new cluster in dir with an empty application database (as the local
// stack makes it) and restores file into it in one transaction; log receives the cluster's lines.
func restoreDatabase(ctx context.Context, dir, file string, log *slog.Logger) error {
	pgRestore, err := pgserver.Tool("pg_restore")
	if err != nil {
		return err
	}
	pg, dsn, err := devstack.StartDatabase(ctx, dir, log)
	if err != nil {
		if pg != nil {
			_ = pg.Stop(false)
		}
		return err
	}
	err = runTool(ctx, pgRestore, "--exit-on-error", "--single-transaction", "--dbname="+dsn, file)
	if serr := pg.Stop(false); err == nil {
		err = serr
	}
	return err
}

// runTool runs a PostgreSQL client program; its output is in the error. (The local cluster trusts
// loopback connections: the DSNs hold no password.)
func runTool(ctx context.Context, path string, args ...string) error {
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
	}
	return nil
}

// copyTree copies the regular files and folders under src to dst (which must not exist), each file
// synced, and returns how many files and bytes it copied.
func copyTree(src, dst string) (files int, bytes int64, err error) {
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(target, info.Mode().Perm())
		case !info.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file", path)
		}
		n, err := copyFile(path, target, info.Mode().Perm())
		files, bytes = files+1, bytes+n
		return err
	})
	return files, bytes, err
}

func copyFile(src, dst string, perm fs.FileMode) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// objectFiles counts the stored objects' files under dir: those in its bucket folders, without the
// store's own files (its signing key, uploads in progress).
func objectFiles(dir string) (int, error) {
	n := 0
	buckets, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	for _, b := range buckets {
		if !b.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(dir, b.Name()))
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
	}
	return n, nil
}

// size is the bytes of the files under dir.
func size(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
