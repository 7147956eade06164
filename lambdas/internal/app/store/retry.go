package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
)

// do runs fn on a pooled connection, retrying connection failures with
// backoff while the context's deadline allows. Writes are retried only when
// the server certainly did not apply them.
func (s *Store) do(ctx context.Context, write bool, fn func(*pgxpool.Conn) error) error {
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 6
	}
	delay := 25 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.once(ctx, fn)
		if err == nil {
			return nil
		}
		if !isConnectionError(err) {
			return err
		}
		if attempt >= maxAttempts || (write && !safeToRetryWrite(err)) || !sleep(ctx, delay) {
			return fmt.Errorf("%w: %w", items.ErrUnavailable, err)
		}
		delay *= 2
	}
}

func (s *Store) once(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	err = fn(c)
	if mustDrop(err) {
		// pgx still thinks this connection is fine; the server disagrees
		// (a demoted writer, a shutting-down instance). Closing it makes the
		// pool dial afresh on the next attempt.
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = c.Conn().Close(closeCtx)
		cancel()
	}
	c.Release()
	return err
}

// sleep waits d plus jitter unless that would pass ctx's deadline.
func sleep(ctx context.Context, d time.Duration) bool {
	d += rand.N(d/2 + 1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+50*time.Millisecond {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// mustDrop: errors after which this connection is useless.
func mustDrop(err error) bool {
	switch pgCode(err) {
	case "25006", "57P01", "57P02", "57P03":
		return true
	}
	return false
}

// isConnectionError: failures of the connection or the server's availability
// rather than of the statement.
func isConnectionError(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	code := pgCode(err)
	if code != "" {
		return mustDrop(err) || strings.HasPrefix(code, "08") || code == "53300" // too_many_connections
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// safeToRetryWrite: the write was not applied (never sent, or refused by a
// server that rolled it back).
func safeToRetryWrite(err error) bool {
	var ce *pgconn.ConnectError
	return pgconn.SafeToRetry(err) || errors.As(err, &ce) || pgCode(err) != ""
}
