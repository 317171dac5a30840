// Package netutiltest gives the tests a server that accepts connections and never answers: what
// a stuck proxy or a black-holed service looks like to a client.
package netutiltest

import (
	"net"
	"sync"
	"testing"
)

// Hang starts a listener on a free loopback port that accepts every connection, holds it open
// and never reads or writes. It returns the host:port and the function that closes it all.
func Hang() (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}, nil
}

// Listen is Hang for a test: the host:port, closed when the test ends.
func Listen(tb testing.TB) string {
	tb.Helper()
	addr, stop, err := Hang()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return addr
}
