package scenarios

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios/dataset"
)

// Axis names, in the order they appear in cell IDs.
const (
	AxisCluster     = "cluster"
	AxisComm        = "comm"
	AxisDirectPut   = "direct_put"
	AxisSize        = "size"
	AxisTransformer = "transformer"
	AxisOp          = "op"
	AxisModel       = "model"
	AxisWorkers     = "workers"
	AxisRate        = "rate"
)

// AxisOrder is the order of axes in a cell ID.
var AxisOrder = []string{AxisCluster, AxisComm, AxisDirectPut, AxisSize, AxisTransformer, AxisOp, AxisModel, AxisWorkers, AxisRate}

// Cell is one run of one point of the matrix.
type Cell struct {
	// ID names the point, e.g.
	// comm=hpush/direct_put=true/size=64KiB/transformer=md5/op=etl-get.
	// Axes that do not apply are left out: a plain get or put has no comm,
	// direct_put or transformer; model, workers and rate appear only when
	// the matrix has them as axes.
	ID string
	// Axes are the values of ID by axis name.
	Axes map[string]string
	// Repeat is 1..Scenario.Repeats; Index is the position in run order (0-based).
	Repeat, Index int

	Op string
	// Cluster is the matrix's cluster axis value (etlcore or aisnode), ""
	// without that axis.
	Cluster     string
	Comm        string       // "" for ops without an ETL
	DirectPut   bool         //
	Transformer *Transformer // nil for ops without an ETL
	Model       string
	Workers     int
	Rate        float64 // open loop only
	PctPut      int     // op mixed
	// Data is the dataset the cell reads (and the one a put writes like).
	Data DataKey
}

// UsesETL reports whether the cell inits an ETL (a client-side op has a
// transformer but runs it in the loader).
func (c *Cell) UsesETL() bool { return c.Transformer != nil && !result.IsClientOp(c.Op) }

// NeedsData reports whether the dataset must be populated before the cell runs.
func (c *Cell) NeedsData() bool { return c.Op != result.OpPut }

// Writes reports whether the cell's load stores objects: PUTs, or the
// results of a copy or an offline job.
func (c *Cell) Writes() bool {
	switch c.Op {
	case result.OpPut, result.OpMixed, result.OpETLCopy, result.OpETLBucket, result.OpETLMulti, result.OpClientETLCopy:
		return true
	}
	return false
}

// DirName is the cell ID made safe as one directory name
// (comm=hpush,direct_put=true,size=64KiB,...).
func (c *Cell) DirName() string { return SanitizeID(c.ID) }

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._=,+-]`)

// SanitizeID turns a cell ID into a directory name.
func SanitizeID(id string) string {
	return unsafeChars.ReplaceAllString(strings.ReplaceAll(id, "/", ","), "_")
}

// DataKey identifies a dataset: cells with equal keys share one bucket.
type DataKey struct {
	Content          string
	Sizes            []Size // fixed sizes, taken in turn
	MinSize, MaxSize Size   // or uniform between these
	Objects          int
	Seed             int64
	Prefix           string // the scenario's dataset.bucket
}

// SizeLabel names the size distribution: 64KiB, 4KiB+1MiB, 1KiB-1MiB.
func (k DataKey) SizeLabel() string {
	if len(k.Sizes) > 0 {
		parts := make([]string, len(k.Sizes))
		for i, s := range k.Sizes {
			parts[i] = s.String()
		}
		return strings.Join(parts, "+")
	}
	return k.MinSize.String() + "-" + k.MaxSize.String()
}

// MaxBytes is the most the dataset can hold: its objects at the largest size.
func (k DataKey) MaxBytes() int64 {
	largest := k.MaxSize
	for _, s := range k.Sizes {
		largest = max(largest, s)
	}
	return int64(k.Objects) * int64(largest)
}

// String is a readable form of the key.
func (k DataKey) String() string {
	return fmt.Sprintf("%d %s objects of %s (seed %d)", k.Objects, k.Content, k.SizeLabel(), k.Seed)
}

// Bucket is the dataset's bucket: prefix, content, sizes and a hash of the
// whole key, so that a bucket left by an earlier run is reused only when it
// holds exactly the same data.
func (k DataKey) Bucket() string {
	label := k.SizeLabel()
	if len(label) > 16 {
		label = label[:16]
	}
	h := xxhash.Sum64String(fmt.Sprintf("%s|%s|%d|%d|%d|%d", k.Content, k.SizeLabel(), k.MinSize, k.MaxSize, k.Objects, k.Seed))
	name := fmt.Sprintf("%s-%s-%s-%08x", k.Prefix, k.Content, label, uint32(h))
	return unsafeChars.ReplaceAllString(strings.ReplaceAll(name, "+", "_"), "_")
}

// Spec is the dataset package's description of the same data.
func (k DataKey) Spec() dataset.Spec {
	sp := dataset.Spec{Kind: k.Content, Objects: k.Objects, Seed: k.Seed, MinSize: int64(k.MinSize), MaxSize: int64(k.MaxSize)}
	for _, s := range k.Sizes {
		sp.Sizes = append(sp.Sizes, int64(s))
	}
	return sp
}

// Expand returns every cell run: the cartesian product of the matrix axes,
// each point Repeats times, in an order shuffled with the seed (the same
// seed gives the same order). With a cluster axis the runs of one point
// and repeat on every cluster go back to back, those groups shuffled, and
// the clusters' order within a group rotates from one group to the next,
// so that no cluster always runs first.
func (s *Scenario) Expand() []Cell {
	if len(s.Matrix.Cluster) > 1 {
		return s.expandPeers()
	}
	points := s.points()
	runs := make([]Cell, 0, len(points)*s.Repeats)
	for r := 1; r <= max(s.Repeats, 1); r++ {
		for _, p := range points {
			c := p
			c.Repeat = r
			c.Axes = cloneAxes(p.Axes)
			runs = append(runs, c)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x6365_6c6c_73))
	rng.Shuffle(len(runs), func(i, j int) { runs[i], runs[j] = runs[j], runs[i] })
	for i := range runs {
		runs[i].Index = i
	}
	return runs
}

// Points returns the distinct cells of the matrix (one per ID), in matrix
// order, without repeats or shuffling.
func (s *Scenario) Points() []Cell { return s.points() }

func cloneAxes(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// expandPeers is Expand with a cluster axis of more than one cluster.
func (s *Scenario) expandPeers() []Cell {
	points := s.points() // cluster varies fastest: points come in groups
	n := len(s.Matrix.Cluster)
	var groups [][]Cell
	for r := 1; r <= max(s.Repeats, 1); r++ {
		for g := 0; g+n <= len(points); g += n {
			grp := make([]Cell, n)
			for k := range grp {
				c := points[g+k]
				c.Repeat = r
				c.Axes = cloneAxes(c.Axes)
				grp[k] = c
			}
			groups = append(groups, grp)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(s.Seed), 0x6365_6c6c_73))
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	runs := make([]Cell, 0, len(groups)*n)
	for gi, grp := range groups {
		for k := range grp {
			runs = append(runs, grp[(k+gi)%n])
		}
	}
	for i := range runs {
		runs[i].Index = i
	}
	return runs
}

func (s *Scenario) points() []Cell {
	m := s.Matrix
	clusters := m.Cluster
	if len(clusters) == 0 {
		clusters = []string{""}
	}
	sizes := m.Size
	if len(sizes) == 0 {
		sizes = []Size{0} // the dataset's own distribution
	}
	models := m.Model
	if len(models) == 0 {
		models = []string{s.Load.Model}
	}
	workers := m.Workers
	if len(workers) == 0 {
		workers = []int{s.Load.Workers}
	}
	type etlPoint struct {
		comm string
		dp   bool
		t    *Transformer
	}
	var out []Cell
	for _, op := range m.Op {
		etls := []etlPoint{{}}
		if IsETLOp(op) {
			etls = nil
			for _, comm := range m.Comm {
				for _, dp := range m.DirectPut {
					for _, name := range m.Transformer {
						t, ok := s.LookupTransformer(name)
						if !ok {
							continue // Validate reports it
						}
						etls = append(etls, etlPoint{comm, dp, &t})
					}
				}
			}
		} else if result.IsClientOp(op) {
			etls = nil
			for _, name := range m.Transformer {
				if t, ok := s.LookupTransformer(name); ok {
					etls = append(etls, etlPoint{t: &t})
				}
			}
		}
		opModels, opWorkers := models, workers
		if IsOfflineOp(op) {
			opModels, opWorkers = []string{ModelClosed}, workers[:1]
		}
		for _, e := range etls {
			for _, sz := range sizes {
				for _, model := range opModels {
					rates := []float64{0}
					if model == ModelOpen {
						rates = m.Rate
						if len(rates) == 0 {
							rates = []float64{s.Load.Rate}
						}
					}
					for _, w := range opWorkers {
						for _, rate := range rates {
							for _, cl := range clusters {
								c := Cell{Op: op, Model: model, Workers: w, Rate: rate, PctPut: s.Load.PctPut, Cluster: cl}
								if e.t != nil {
									t := *e.t
									c.Comm, c.DirectPut, c.Transformer = e.comm, e.dp, &t
								}
								c.Data = s.dataKey(c.Transformer, sz)
								c.Axes = s.axes(&c, sz)
								c.ID = cellID(c.Axes)
								out = append(out, c)
							}
						}
					}
				}
			}
		}
	}
	return out
}

func (s *Scenario) dataKey(t *Transformer, sz Size) DataKey {
	k := DataKey{Objects: s.Dataset.Objects, Seed: s.Seed, Prefix: s.Dataset.Bucket}
	if t != nil {
		k.Content = s.ContentFor(*t)
	} else if s.Dataset.Content != "" {
		k.Content = s.Dataset.Content
	} else {
		k.Content = ContentRandom
	}
	switch {
	case sz > 0:
		k.Sizes = []Size{sz}
	case len(s.Dataset.Sizes) > 0:
		k.Sizes = append([]Size(nil), s.Dataset.Sizes...)
	default:
		k.MinSize, k.MaxSize = s.Dataset.MinSize, s.Dataset.MaxSize
	}
	return k
}

func (s *Scenario) axes(c *Cell, sz Size) map[string]string {
	a := map[string]string{AxisOp: c.Op}
	if c.Cluster != "" {
		a[AxisCluster] = c.Cluster
	}
	if c.Transformer != nil {
		if !result.IsClientOp(c.Op) {
			a[AxisComm] = c.Comm
			a[AxisDirectPut] = strconv.FormatBool(c.DirectPut)
		}
		a[AxisTransformer] = c.Transformer.Name
	}
	if sz > 0 {
		a[AxisSize] = sz.String()
	} else {
		a[AxisSize] = c.Data.SizeLabel()
	}
	if IsOfflineOp(c.Op) {
		return a // the load model, workers and rate do not apply to jobs
	}
	if len(s.Matrix.Model) > 0 {
		a[AxisModel] = c.Model
	}
	if len(s.Matrix.Workers) > 0 {
		a[AxisWorkers] = strconv.Itoa(c.Workers)
	}
	if len(s.Matrix.Rate) > 0 && c.Model == ModelOpen {
		a[AxisRate] = strconv.FormatFloat(c.Rate, 'f', -1, 64)
	}
	return a
}

func cellID(axes map[string]string) string {
	parts := make([]string, 0, len(axes))
	for _, k := range AxisOrder {
		if v, ok := axes[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, "/")
}
