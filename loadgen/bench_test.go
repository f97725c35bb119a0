package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
)

// envTrivialServer makes the test binary a trivial object server (for the
// benchmarks: a separate process, as wrk's target is).
const envTrivialServer = "LOADGEN_TRIVIAL_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(envTrivialServer) == "1" {
		serveTrivial()
		return
	}
	os.Exit(m.Run())
}

// trivialBody is what every object GET of the trivial server answers.
var trivialBody = []byte("0123456789abcdef")

// serveTrivial serves the few paths the loader needs, with one 16-byte
// object, on a loopback port it prints; it exits when stdin closes.
func serveTrivial() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/cluster", func(w http.ResponseWriter, r *http.Request) {
		api.WriteJSON(w, api.Smap{Targets: []api.NodeInfo{{ID: "t1", Role: "target", Alive: true}}})
	})
	mux.HandleFunc("/v1/buckets/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			api.WriteJSON(w, api.ListResult{Entries: []api.ListEntry{{Name: "obj", Size: int64(len(trivialBody))}}})
		}
	})
	mux.HandleFunc("/v1/objects/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "16")
		w.Write(trivialBody)
	})
	fmt.Println(ln.Addr().String())
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent closes it
		os.Exit(0)
	}()
	_ = http.Serve(ln, mux)
}

// startTrivial runs the trivial server in a child process and returns its URL.
func startTrivial(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envTrivialServer+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("trivial server: %v", err)
	}
	return "http://" + strings.TrimSpace(line)
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

var wrkRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// BenchmarkLoaderCeiling measures the loader's own ceiling: closed-loop
// requests per second against a trivial local HTTP server (another
// process), side by side with wrk against the same server in the same run.
// The two alternate for LOADGEN_BENCH_ROUNDS rounds (default 3) of
// LOADGEN_BENCH_DURATION each (default 3s) with LOADGEN_BENCH_CONNS
// connections (default 32), so that a busy machine's noise hits both; it
// reports the best rate of each and the median of the per-round ratios
// (the goal: the loader reaches at least 80% of wrk).
func BenchmarkLoaderCeiling(b *testing.B) {
	dur := envDuration(b, "LOADGEN_BENCH_DURATION", 3*time.Second)
	conns, rounds := envInt(b, "LOADGEN_BENCH_CONNS", 32), envInt(b, "LOADGEN_BENCH_ROUNDS", 3)
	url := startTrivial(b)
	wrk, wrkErr := exec.LookPath("wrk")
	if wrkErr != nil {
		b.Logf("wrk is not on PATH (make deps installs it): measuring the loader only")
	}
	for i := 0; i < b.N; i++ {
		var bestL, bestW, cpus float64
		var ratios []float64
		for round := 0; round < rounds; round++ {
			cfg := Config{Proxy: url, Bucket: "b", Duration: dur, Workers: conns, StatsInterval: time.Second, Display: "none", Seed: 1}
			cpu0 := selfStats(0).CPUSeconds
			res, err := Run(context.Background(), cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			s := res.Summary[OpGet]
			if s.Errors != 0 {
				b.Fatalf("loader errors: %+v %v", s, res.Notes)
			}
			bestL = max(bestL, s.OpsPerSec)
			cpus = max(cpus, (res.Loader.CPUSeconds-cpu0)/res.Duration)
			if wrkErr != nil {
				continue
			}
			out, err := exec.Command(wrk, "-t2", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(dur.Seconds()+0.5)),
				url+api.ObjPath("b", "obj")).CombinedOutput()
			if err != nil {
				b.Fatalf("wrk: %v\n%s", err, out)
			}
			m := wrkRPS.FindSubmatch(out)
			if m == nil {
				b.Fatalf("wrk output without Requests/sec:\n%s", out)
			}
			w, _ := strconv.ParseFloat(string(m[1]), 64)
			bestW = max(bestW, w)
			ratios = append(ratios, s.OpsPerSec/w)
			b.Logf("round %d: loader %.0f req/s, wrk %.0f req/s (%.0f%%)", round+1, s.OpsPerSec, w, 100*s.OpsPerSec/w)
		}
		b.ReportMetric(bestL, "loader-req/s")
		b.ReportMetric(cpus, "loader-cpus")
		if len(ratios) > 0 {
			sort.Float64s(ratios)
			med := ratios[len(ratios)/2]
			b.ReportMetric(bestW, "wrk-req/s")
			b.ReportMetric(med, "loader/wrk")
			b.Logf("best: loader %.0f req/s, wrk %.0f req/s; median ratio %.0f%% (goal >= 80%%)", bestL, bestW, 100*med)
		}
	}
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// BenchmarkOpenLoopMemory runs the open loop at 2,000 ops/s against the
// trivial server and reports the loader's peak RSS; it fails above 100 MiB.
// The check is a 10-minute run:
//
//	LOADGEN_MEM_DURATION=10m go test ./loadgen -run '^$' -bench OpenLoopMemory -benchtime 1x -timeout 20m
//
// (default 5s, so that `make bench` stays short).
func BenchmarkOpenLoopMemory(b *testing.B) {
	dur := envDuration(b, "LOADGEN_MEM_DURATION", 5*time.Second)
	url := startTrivial(b)
	for i := 0; i < b.N; i++ {
		cfg := Config{Proxy: url, Bucket: "b", Duration: dur, Rate: 2000, Workers: 64,
			StatsInterval: time.Second, Display: "none", Seed: 1, OutDir: b.TempDir()}
		stop := make(chan struct{})
		samples := make(chan []int64, 1)
		go func() {
			var rss []int64
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					samples <- rss
					return
				case <-t.C:
					rss = append(rss, currentRSS())
				}
			}
		}()
		res, err := Run(context.Background(), cfg, nil)
		close(stop)
		rss := <-samples
		if err != nil {
			b.Fatal(err)
		}
		s := res.Summary[OpGet]
		peak := float64(res.Loader.PeakRSSBytes) / (1 << 20)
		b.ReportMetric(peak, "peak-RSS-MiB")
		b.ReportMetric(s.OpsPerSec, "ops/s")
		if len(rss) >= 4 {
			half := len(rss) / 2
			b.ReportMetric(float64(rss[len(rss)-1]-rss[half])/(1<<20), "RSS-growth-2nd-half-MiB")
		}
		var first, top, last int64
		if len(rss) > 0 {
			first, last = rss[0], rss[len(rss)-1]
			for _, v := range rss {
				top = max(top, v)
			}
		}
		b.Logf("%s at 2000/s: %d ops, missed %d, peak RSS %.1f MiB; RSS sampled each second: first %.1f, max %.1f, last %.1f MiB",
			dur, s.Ops, s.Missed, peak, float64(first)/(1<<20), float64(top)/(1<<20), float64(last)/(1<<20))
		if peak > 100 {
			b.Errorf("peak RSS %.1f MiB > 100 MiB", peak)
		}
	}
}
