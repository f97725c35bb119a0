package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/netcount"
	"github.com/etlbench/etlbench/reports/result"
)

// LinkCounterFunc reads the emulated network's per-link byte counters
// (cumulative); nil where the network is not emulated.
type LinkCounterFunc func(ctx context.Context) ([]result.LinkBytes, error)

// procSnap is one process's counters at one moment.
type procSnap struct {
	role, id string
	cpu      float64
	rss      int64
	net      map[string]result.NetBytes
	err      string
}

// costSnap is every process's counters at one moment.
type costSnap struct {
	at      time.Time
	procs   map[string]procSnap // by role/id
	links   map[string]result.LinkBytes
	linkErr string
	notes   []string
	// ops and payload done so far (costCollector.work).
	ops, payload int64
}

// nodeRef is a node whose /metrics the collector reads.
type nodeRef struct{ role, id, url string }

// costCollector samples the cluster's and the loader's cost counters over
// the measured window: a snapshot at its start, one every period (for the
// peak memory) and one at its end.
type costCollector struct {
	nodes     []nodeRef
	smap      *api.Smap
	hc        *http.Client
	token     string
	loaderNet *netcount.Counter
	links     LinkCounterFunc
	period    time.Duration
	// work, when set, returns the operations done so far and their
	// payload: the window's objects are those done within it. Nil for
	// offline jobs, whose window is the whole job (the summary's).
	work func() (ops, payload int64)

	mu         sync.Mutex
	base, last *costSnap
	peak       map[string]int64
	stop       chan struct{}
	done       chan struct{}
}

func newCostCollector(cfg *Config, smap *api.Smap, loaderNet *netcount.Counter) *costCollector {
	cc := &costCollector{
		hc:        &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}},
		token:     cfg.Token,
		loaderNet: loaderNet,
		links:     cfg.LinkCounters,
		period:    min(max(cfg.StatsInterval, 250*time.Millisecond), 2*time.Second),
		peak:      map[string]int64{},
		smap:      smap,
	}
	pid := smap.Proxy.ID
	if pid == "" {
		pid = "proxy"
	}
	cc.nodes = append(cc.nodes, nodeRef{result.RoleProxy, pid, cfg.Proxy})
	for _, t := range smap.Targets {
		cc.nodes = append(cc.nodes, nodeRef{result.RoleTarget, t.ID, t.URL})
	}
	return cc
}

// begin takes the window's first snapshot at windowStart: at once when it
// has passed, else in the background; then samples every period until end.
func (cc *costCollector) begin(ctx context.Context, windowStart time.Time) {
	ctx = context.WithoutCancel(ctx) // an interrupted run still gets its costs
	cc.stop, cc.done = make(chan struct{}), make(chan struct{})
	if !time.Now().Before(windowStart) {
		cc.setBase(cc.snapshot(ctx))
	}
	go func() {
		defer close(cc.done)
		if d := time.Until(windowStart); d > 0 {
			select {
			case <-cc.stop:
				return
			case <-time.After(d):
			}
			cc.setBase(cc.snapshot(ctx))
		}
		t := time.NewTicker(cc.period)
		defer t.Stop()
		for {
			select {
			case <-cc.stop:
				return
			case <-t.C:
				cc.sample(cc.snapshot(ctx))
			}
		}
	}()
}

func (cc *costCollector) setBase(s *costSnap) {
	cc.mu.Lock()
	cc.base = s
	cc.peak = map[string]int64{}
	cc.mu.Unlock()
	cc.sample(s)
}

// sample keeps the peaks of s.
func (cc *costCollector) sample(s *costSnap) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.base == nil {
		return // still in the warm-up
	}
	for k, p := range s.procs {
		if p.err == "" && p.rss > cc.peak[k] {
			cc.peak[k] = p.rss
		}
	}
}

// end stops the sampling and takes the window's last snapshot.
func (cc *costCollector) end(ctx context.Context) {
	if cc.stop == nil {
		return
	}
	close(cc.stop)
	<-cc.done
	s := cc.snapshot(ctx)
	// Its connections to the nodes end with the window: a loader that runs
	// on (the scenario runner, a test) must not keep them open.
	cc.hc.CloseIdleConnections()
	cc.sample(s)
	cc.mu.Lock()
	cc.last = s
	cc.mu.Unlock()
}

// snapshot reads every node's metrics (in parallel), the links and the
// loader's own counters.
func (cc *costCollector) snapshot(ctx context.Context) *costSnap {
	s := &costSnap{at: time.Now(), procs: map[string]procSnap{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range cc.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs, notes, err := cc.readNode(ctx, n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.procs[n.role+"/"+n.id] = procSnap{role: n.role, id: n.id, err: err.Error()}
				return
			}
			for k, p := range procs {
				s.procs[k] = p
			}
			s.notes = append(s.notes, notes...)
		}()
	}
	if cc.links != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ls, err := cc.links(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.linkErr = err.Error()
				return
			}
			s.links = map[string]result.LinkBytes{}
			for _, l := range ls {
				s.links[l.Link] = l
			}
		}()
	}
	self := selfStats(0)
	rx, tx := cc.loaderNet.Bytes(netcount.Client)
	if cc.work != nil {
		s.ops, s.payload = cc.work()
	}
	wg.Wait()
	s.procs[result.RoleLoader+"/loader"] = procSnap{role: result.RoleLoader, id: "loader", cpu: self.CPUSeconds, rss: currentRSS(),
		net: map[string]result.NetBytes{netcount.Client.String(): {Rx: rx, Tx: tx}}}
	return s
}

// readNode reads one node's /metrics: its own process and, on a target,
// its transformers.
func (cc *costCollector) readNode(ctx context.Context, n nodeRef) (map[string]procSnap, []string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(n.url, "/")+api.PathMetrics, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics of %s: %w", n.id, err)
	}
	req.Header.Set(netcount.HdrMonitor, "loader")
	if cc.token != "" {
		req.Header.Set(api.HdrAuthorization, "Bearer "+cc.token)
	}
	resp, err := cc.hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics of %s: %w", n.id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("metrics of %s: %s", n.id, resp.Status)
	}
	samples, notes, err := parseProm(resp.Body, "etlcore_")
	if err != nil {
		return nil, notes, fmt.Errorf("metrics of %s: %w", n.id, err)
	}
	procs := map[string]procSnap{}
	get := func(role, id string) procSnap {
		p, ok := procs[role+"/"+id]
		if !ok {
			p = procSnap{role: role, id: id, rss: -1, cpu: -1}
		}
		return p
	}
	put := func(p procSnap) { procs[p.role+"/"+p.id] = p }
	for _, sm := range samples {
		switch sm.name {
		case "etlcore_process_cpu_seconds_total":
			p := get(n.role, n.id)
			p.cpu = sm.value
			put(p)
		case "etlcore_process_resident_memory_bytes":
			p := get(n.role, n.id)
			p.rss = int64(sm.value)
			put(p)
		case "etlcore_net_bytes_total":
			p := get(n.role, n.id)
			if p.net == nil {
				p.net = map[string]result.NetBytes{}
			}
			nb := p.net[sm.labels["conn"]]
			if sm.labels["dir"] == "rx" {
				nb.Rx = int64(sm.value)
			} else {
				nb.Tx = int64(sm.value)
			}
			p.net[sm.labels["conn"]] = nb
			put(p)
		case "etlcore_transformer_cpu_seconds_total":
			p := get(result.RoleTransformer, n.id+"/"+sm.labels["etl"])
			p.cpu = sm.value
			put(p)
		case "etlcore_transformer_resident_memory_bytes":
			p := get(result.RoleTransformer, n.id+"/"+sm.labels["etl"])
			p.rss = int64(sm.value)
			put(p)
		}
	}
	self, ok := procs[n.role+"/"+n.id]
	if !ok || self.cpu < 0 {
		return nil, notes, fmt.Errorf("metrics of %s: no etlcore_process_cpu_seconds_total (not an etlcore node, or no /proc)", n.id)
	}
	for k, p := range procs {
		if p.rss < 0 {
			p.rss = 0
		}
		procs[k] = p
	}
	return procs, notes, nil
}
