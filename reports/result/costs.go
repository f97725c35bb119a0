package result

// Role names of Costs.Roles and the keys of the per-object figures.
const (
	RoleProxy       = "proxy"
	RoleTarget      = "target"
	RoleTransformer = "transformer"
	RoleLoader      = "loader"
	// Groups (keys of CostPerObject.CPUUS): the sum over one role's
	// processes, and "cluster", every node and transformer.
	GroupTargets      = "targets"
	GroupTransformers = "transformers"
	GroupCluster      = "cluster"
)

// Costs is what a run cost over its measured window (warm-up excluded):
// CPU, memory and bytes over the network of every process role, and the
// same per object.
type Costs struct {
	// Start and end of the window, as seconds from the result's Start.
	WindowStartSec float64 `json:"window_start_sec"`
	WindowSec      float64 `json:"window_sec"`
	// Network says where the byte counts come from: "nodes" (each node
	// counts its own connections, loopback and Kubernetes) or "links"
	// (the emulated network's interface counters, plus the nodes' own).
	Network string `json:"network"`
	// Objects and MiB are the operations completed in the window and
	// their payload (the larger of bytes sent and received, per
	// operation). Without a warm-up the window is the whole run, drain
	// included; after one it ends when the loader stops issuing, so the
	// requests drained after it are in the summary, not here. An offline
	// job's window is the whole job.
	Objects int64      `json:"objects"`
	MiB     float64    `json:"mib"`
	Roles   []RoleCost `json:"roles"`
	// Links are the emulated network's per-link byte counts (emulated mode).
	Links []LinkBytes `json:"links,omitempty"`
	// DstRemoteShare is the share of the source objects whose destination
	// another target owns (etlcore's placement): what a copy or an
	// offline job must send over a node link. Set for those operations.
	DstRemoteShare *float64      `json:"dst_remote_share,omitempty"`
	PerObject      CostPerObject `json:"per_object"`
	// NotAvailable says what could not be measured, and why.
	NotAvailable []string `json:"not_available,omitempty"`
}

// RoleCost is one process's cost over the window.
type RoleCost struct {
	Role string `json:"role"` // proxy | target | transformer | loader
	ID   string `json:"id"`   // p1, t1, t1/<etl>, loader
	// CPUSeconds is user+system CPU time in the window; for a transformer,
	// of its process group (its children included).
	CPUSeconds float64 `json:"cpu_seconds"`
	// PeakRSSBytes is the largest resident memory sampled in the window
	// (at the start, every sampling period and the end).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// Net is the bytes the process counted on its connections in the
	// window, by connection class: client, intra, transformer (nodes);
	// client (the loader: everything it sent and received).
	Net map[string]NetBytes `json:"net,omitempty"`
	// CPUUSPerObject and CPUUSPerMiB divide CPUSeconds by the window's
	// objects and MiB.
	CPUUSPerObject float64 `json:"cpu_us_per_object"`
	CPUUSPerMiB    float64 `json:"cpu_us_per_mib"`
	// NotAvailable, when set, says why this process's figures are missing.
	NotAvailable string `json:"not_available,omitempty"`
}

// NetBytes are bytes received and sent.
type NetBytes struct {
	Rx int64 `json:"rx"`
	Tx int64 `json:"tx"`
}

// LinkBytes are one emulated link's interface counts in the window: Rx
// reached the node (or the client) over the link, Tx left it.
type LinkBytes struct {
	Link string `json:"link"` // client, p1, t1, ...
	Rx   int64  `json:"rx"`
	Tx   int64  `json:"tx"`
}

// CostPerObject are the window's costs divided by its objects.
type CostPerObject struct {
	// CPUUS and CPUUSPerMiB are CPU microseconds per object and per MiB,
	// by role group: proxy, targets, transformers, loader, cluster.
	CPUUS       map[string]float64 `json:"cpu_us"`
	CPUUSPerMiB map[string]float64 `json:"cpu_us_per_mib"`
	// ClientLinkBytes crossed the client link (loader <-> cluster, both
	// directions): the client link's counters in emulated mode, else the
	// loader's own count.
	ClientLinkBytes float64 `json:"client_link_bytes"`
	// NodeLinkBytes went from one node to another (both directions
	// counted once): in emulated mode from the node links' counters (what
	// they carried beyond the client's traffic, halved: each such byte
	// crosses two node links), else the sum of what the nodes received on
	// their intra-cluster connections (a direct put is counted by the
	// destination target it reaches; its sender is a transformer).
	NodeLinkBytes float64 `json:"node_link_bytes"`
	// TransformerBytes went between targets and their own transformers
	// (both directions), which stays inside a node.
	TransformerBytes float64 `json:"transformer_bytes"`
}
