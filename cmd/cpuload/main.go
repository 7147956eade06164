// Command cpuload keeps the CPUs busy for a bounded time, so that tests can be run the way a shared,
// loaded CI machine runs them (make flaky). It spins one goroutine per worker and exits when the
// duration passes or when it is interrupted; it never outlives -duration.
//
//	go run ./cmd/cpuload -workers 2 -duration 5m
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func main() {
	workers := flag.Int("workers", runtime.NumCPU(), "busy goroutines (one saturates one CPU)")
	duration := flag.Duration("duration", time.Minute, "how long to load the CPUs; the program exits then")
	flag.Parse()
	if *workers < 1 || *duration <= 0 {
		fmt.Fprintln(os.Stderr, "cpuload: -workers must be at least 1 and -duration positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	runtime.GOMAXPROCS(*workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Go(func() { spin(ctx) })
	}
	wg.Wait()
}

// spin does arithmetic until ctx ends, checking it every few million steps.
func spin(ctx context.Context) {
	x := uint64(1)
	for ctx.Err() == nil {
		for range 1 << 22 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if x == 0 { // keeps the loop from being optimised away
		fmt.Println(x)
	}
}
