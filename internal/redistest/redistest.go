// Package redistest runs a real redis-server for tests: on a free loopback
// port, in a temporary directory, without persistence, killed when the test
// ends. Where no server can be had the test is skipped, unless
// TRUSTPUB_REQUIRE_REDIS=1 (set by CI), which makes it a failure.
package redistest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URLEnv names a Redis server to use instead of starting one, as a
// redis:// URL. Tests that stop the server still start their own.
const URLEnv = "TRUSTPUB_REDIS_URL"

// RequireEnv, set to 1, turns a missing Redis into a test failure.
const RequireEnv = "TRUSTPUB_REQUIRE_REDIS"

// Server is a redis-server process owned by one test.
type Server struct {
	Addr string // host:port

	tb   testing.TB
	port int
	dir  string

	mu  sync.Mutex
	cmd *exec.Cmd
	out bytes.Buffer
}

// Unavailable skips the test, or fails it when Redis is required.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv(RequireEnv) == "1" {
		tb.Fatalf("redistest: "+format+" (and %s=1)", append(args, RequireEnv)...)
	}
	tb.Skipf("redistest: "+format, args...)
}

// Start runs redis-server on a free loopback port until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Unavailable(tb, "redis-server is not installed: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		Unavailable(tb, "no loopback port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), tb: tb, port: port, dir: tb.TempDir()}
	tb.Cleanup(s.Stop)
	if err := s.start(); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return s
}

// Restart starts the server again on the same port, empty.
func (s *Server) Restart() {
	s.tb.Helper()
	if err := s.start(); err != nil {
		s.tb.Fatalf("redistest: restart: %v", err)
	}
}

// Stop kills the server (as a crash would) and waits for it to exit.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("server already running on %s", s.Addr)
	}
	s.out.Reset()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			s.cmd = nil
			return fmt.Errorf("redis-server on %s did not answer: %v; output:\n%s", s.Addr, err, s.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client returns a client of the server, closed when the test ends. It
// honours context deadlines, as redisstore requires.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	return NewClient(tb, &redis.Options{Addr: s.Addr})
}

// NewClient completes opt with short timeouts and ContextTimeoutEnabled and
// returns a client closed when the test ends.
func NewClient(tb testing.TB, opt *redis.Options) *redis.Client {
	tb.Helper()
	opt.ContextTimeoutEnabled = true
	opt.DialTimeout = 500 * time.Millisecond
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	opt.DisableIdentity = true
	c := redis.NewClient(opt)
	tb.Cleanup(func() { c.Close() })
	return c
}

// Connect returns a client of the server named by TRUSTPUB_REDIS_URL, or
// of one started for the test.
func Connect(tb testing.TB) *redis.Client {
	tb.Helper()
	if u := os.Getenv(URLEnv); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			tb.Fatalf("redistest: %s: %v", URLEnv, err)
		}
		c := NewClient(tb, opt)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := c.Ping(ctx).Err(); err != nil {
			Unavailable(tb, "%s=%s does not answer: %v", URLEnv, u, err)
		}
		return c
	}
	return Start(tb).Client(tb)
}

// Prefix returns a key prefix unique to this run, so tests sharing a server
// never see each other's keys.
func Prefix() string {
	var b [6]byte
	rand.Read(b[:])
	return "trustpub-test:" + hex.EncodeToString(b[:]) + ":"
}
