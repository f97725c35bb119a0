package api

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// AisNodeStatus is what AIStore's clients read for one node (GET
// /v1/reverse/daemon?what=node_status, stats.NodeStatus): identity,
// version, capacity, memory and CPU.
type AisNodeStatus struct {
	Status      string           `json:"status"`
	Deployment  string           `json:"deployment"`
	Version     string           `json:"ais_version"`
	BuildTime   string           `json:"build_time"`
	K8sPodName  string           `json:"k8s_pod_name"`
	Snode       *AisSnode        `json:"snode"`
	Tracker     map[string]int64 `json:"tracker"`
	Capacity    AisCapacity      `json:"capacity"`
	Cluster     AisNodeCluster   `json:"cluster"`
	MemCPU      AisMemCPU        `json:"sys_info"`
	SmapVersion int64            `json:"smap_version,string"`
}

// AisCapacity is a target's capacity over its mountpaths.
type AisCapacity struct {
	Mountpaths map[string]*AisMpathCap `json:"mountpaths"`
	CsErr      string                  `json:"cs_err"`
	TotalUsed  uint64                  `json:"total_used,string"`
	TotalAvail uint64                  `json:"total_avail,string"`
	PctMax     int32                   `json:"pct_max"`
	PctAvg     int32                   `json:"pct_avg"`
	PctMin     int32                   `json:"pct_min"`
}

// AisMpathCap is one mountpath's capacity.
type AisMpathCap struct {
	Label   string   `json:"mountpath_label"`
	FS      AisFS    `json:"fs"`
	Disks   []string `json:"disks"`
	Used    uint64   `json:"used,string"`
	Avail   uint64   `json:"avail,string"`
	PctUsed int32    `json:"pct_used"`
}

// AisFS names a mountpath's filesystem (AIStore counts each FsID once).
type AisFS struct {
	Fs     string `json:"Fs"`
	FsType string `json:"FsType"`
	FsID   string `json:"FsID"`
}

// AisNodeCluster is the node's view of the cluster's metadata versions.
type AisNodeCluster struct {
	Smap struct {
		Primary struct {
			PubURL  string `json:"pub_url"`
			CtrlURL string `json:"control_url"`
			ID      string `json:"id"`
		} `json:"Primary"`
		UUID    string `json:"uuid"`
		Version int64  `json:"version,string"`
	} `json:"smap"`
	Flags uint64 `json:"flags"`
}

// AisMemCPU is the node's memory and CPU use.
type AisMemCPU struct {
	MemUsed    uint64  `json:"mem_used"`
	MemAvail   uint64  `json:"mem_avail"`
	PctMemUsed float64 `json:"pct_mem_used"`
	PctCPUUsed float64 `json:"pct_cpu_used"`
}

// AIStore's node state flags for a node that started and joined.
const aisNodeOK = 1<<1 | 1<<2

// AisVersion is the version etlcore reports to AIStore's clients: the
// AIStore release whose API it serves, marked as etlcore's.
const AisVersion = "5.0.etlcore"

// NewAisNodeStatus describes node n of cluster uuid (map version ver),
// primary proxy p, started at start, with mountpaths mpaths (targets).
func NewAisNodeStatus(n, p NodeInfo, uuid string, ver int64, start time.Time, mpaths []string) *AisNodeStatus {
	st := &AisNodeStatus{Deployment: "etlcore", Version: AisVersion, Snode: n.ToAis(), SmapVersion: ver,
		Tracker: map[string]int64{"up.ns.time": int64(time.Since(start)), "state.flags": aisNodeOK}}
	st.Cluster.Smap.Primary.PubURL, st.Cluster.Smap.Primary.CtrlURL, st.Cluster.Smap.Primary.ID = p.URL, p.URL, p.ID
	st.Cluster.Smap.UUID, st.Cluster.Smap.Version, st.Cluster.Flags = uuid, ver, aisNodeOK
	st.Capacity.Mountpaths = map[string]*AisMpathCap{}
	first := true
	for _, mp := range mpaths {
		var fs syscall.Statfs_t
		if syscall.Statfs(mp, &fs) != nil {
			continue
		}
		total, avail := fs.Blocks*uint64(fs.Bsize), fs.Bavail*uint64(fs.Bsize)
		used := total - fs.Bfree*uint64(fs.Bsize)
		pct := int32(0)
		if used+avail > 0 {
			pct = int32(used * 100 / (used + avail))
		}
		fsid := fmt.Sprintf("%d,%d", fs.Fsid.X__val[0], fs.Fsid.X__val[1])
		st.Capacity.Mountpaths[mp] = &AisMpathCap{FS: AisFS{Fs: mp, FsID: fsid}, Disks: []string{}, Used: used, Avail: avail, PctUsed: pct}
		st.Capacity.TotalUsed += used
		st.Capacity.TotalAvail += avail
		if first || pct > st.Capacity.PctMax {
			st.Capacity.PctMax = pct
		}
		if first || pct < st.Capacity.PctMin {
			st.Capacity.PctMin = pct
		}
		first = false
	}
	if tot := st.Capacity.TotalUsed + st.Capacity.TotalAvail; tot > 0 {
		st.Capacity.PctAvg = int32(st.Capacity.TotalUsed * 100 / tot)
	}
	st.MemCPU = readMemCPU()
	return st
}

// readMemCPU reads this process's resident memory and the host's available
// memory from /proc.
func readMemCPU() AisMemCPU {
	var m AisMemCPU
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			m.MemUsed = pages * uint64(os.Getpagesize())
		}
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return m
	}
	defer f.Close()
	var total uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "MemTotal":
			total = kb << 10
		case "MemAvailable":
			m.MemAvail = kb << 10
		}
	}
	if total > 0 {
		m.PctMemUsed = float64(m.MemUsed) * 100 / float64(total)
	}
	return m
}
