// Package freeport picks a free TCP port on the loopback interface, for a
// process that must be told its port before it starts (a PostgreSQL
// server, the Lambda emulator) and so cannot listen on port 0 itself.
// Dev-only; the test kits use it too (test-only code may import dev-only
// code, never the other way round).
package freeport

import "net"

// Loopback returns a TCP port on 127.0.0.1 that was free a moment ago: the
// kernel picked it for a listener that is closed again before Loopback
// returns. Another process may take it before the caller binds it, and
// the caller's start then fails ("address already in use").
func Loopback() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
