package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the transformer program the tests start:
// `<test binary> transformer <behaviour> [--listen host:port]` (the form
// the built-in image mapping produces) runs helperMain instead of the tests.
func TestMain(m *testing.M) {
	if len(os.Args) >= 3 && os.Args[1] == "transformer" {
		os.Exit(helperMain(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

var sink []byte // keeps the helper's allocation alive

func helperMain(behaviour string, args []string) int {
	fmt.Println("hello stdout from", behaviour)
	fmt.Fprintln(os.Stderr, "hello stderr from", behaviour)
	switch behaviour {
	case "exit2":
		fmt.Fprintln(os.Stderr, "fatal: something went wrong")
		return 2
	case "sleep":
		time.Sleep(time.Minute)
		return 0
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	case "spawn":
		signal.Ignore(syscall.SIGTERM)
		exe, _ := os.Executable()
		c := exec.Command(exe, "transformer", "sleep")
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "spawn:", err)
			return 1
		}
		fmt.Printf("child pid %d\n", c.Process.Pid)
	case "serve":
	default:
		fmt.Fprintln(os.Stderr, "unknown behaviour", behaviour)
		return 1
	}
	// Use some CPU and memory so that metrics have something to show.
	sink = make([]byte, 16<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	for start := time.Now(); time.Since(start) < 60*time.Millisecond; {
	}
	addr := net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT"))
	if len(args) == 2 && args[0] == "--listen" {
		addr = args[1]
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(os.Environ()) })
	mux.HandleFunc("GET /args", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(os.Args) })
	if err := http.ListenAndServe(addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		return 1
	}
	return 0
}

// waitHealthy polls GET /health until it answers 200.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s/health did not answer 200 in time", url)
}

// getJSON GETs url into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
}

// processGone reports whether pid no longer runs (absent, or a zombie
// waiting for a reaper).
func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// waitGone waits until pid no longer runs.
func waitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running after %v", pid, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
