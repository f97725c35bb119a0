package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/etlbench/etlbench/internal/strict"
	"github.com/etlbench/etlbench/reports/result"
	"github.com/etlbench/etlbench/scenarios/dataset"
	"sigs.k8s.io/yaml"
)

// Limits of scenario values.
const (
	MaxTargets     = 64
	MaxMountpaths  = 16
	MaxProxies     = 16
	MaxObjects     = 10_000_000
	MaxObjectSize  = 64 * GiB
	MaxDatasetSize = 1 * TiB
	MaxWorkers     = 100_000
	MaxRate        = 10_000_000
	MaxRepeats     = 100
	MaxDuration    = 24 * time.Hour
	MaxSpecFile    = 1 << 20
	MaxRuns        = 100_000 // cell runs (cells x repeats) per scenario
)

// Defaults of absent fields.
const (
	DefaultTargets  = 3
	DefaultObjects  = 100
	DefaultBucket   = "etlbench"
	DefaultWorkers  = 4
	DefaultPctPut   = 30
	DefaultDuration = 10 * time.Second
	DefaultSeed     = 1
)

var (
	scenarioNameRe    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	transformerNameRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`)
	bucketRe          = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
)

var (
	commModes = []string{CommHPush, CommHPull, CommWS}
	ops       = []string{result.OpGet, result.OpPut, result.OpETLGet, result.OpETLCopy, result.OpETLBucket, result.OpETLMulti, result.OpMixed, result.OpClientETLGet, result.OpClientETLCopy}
	peers     = []string{PeerEtlcore, PeerAisnode}
	models    = []string{ModelClosed, ModelOpen}
	contents  = []string{ContentRandom, ContentText, ContentJPEG, ContentWAV}
)

// IsETLOp reports whether op goes through an ETL (and so has the comm,
// direct_put and transformer axes).
func IsETLOp(op string) bool {
	switch op {
	case result.OpETLGet, result.OpETLCopy, result.OpETLBucket, result.OpETLMulti, result.OpMixed:
		return true
	}
	return false
}

// IsOfflineOp reports whether op runs offline jobs (back to back for the
// duration): the load model, workers and rate do not apply to it.
func IsOfflineOp(op string) bool { return op == result.OpETLBucket || op == result.OpETLMulti }

// validator applies defaults and checks a decoded scenario.
type validator struct {
	d *decoder
	s *Scenario
}

func (v *validator) has(path string) bool {
	_, ok := v.d.pos[path]
	return ok
}

// line finds the line of path, or of its nearest recorded parent.
func (v *validator) line(path string) int {
	for p := path; ; {
		if l, ok := v.d.pos[p]; ok {
			return l
		}
		if p == "" {
			return 0
		}
		if i := strings.LastIndexAny(p, ".["); i >= 0 {
			p = p[:i]
		} else {
			p = ""
		}
	}
}

func (v *validator) errf(path, format string, a ...any) {
	v.d.errAt(v.line(path), path, format, a...)
}

// defaults fills absent fields. Fields given explicitly keep their values,
// zero included, so that validate rejects an explicit `targets: 0`.
func (v *validator) defaults() {
	s := v.s
	if s.Seed == 0 && !v.has("seed") {
		s.Seed = DefaultSeed
	}
	if s.Repeats == 0 && !v.has("repeats") {
		s.Repeats = 1
	}
	if s.Duration == 0 && !v.has("duration") {
		s.Duration = DefaultDuration
	}
	v.defaultCluster()
	v.defaultData()
	v.defaultMatrix()
	v.defaultLoad()
}

// defaultCluster fills the absent fields of cluster.
func (v *validator) defaultCluster() {
	c := &v.s.Cluster
	if c.Kind == "" {
		c.Kind = ClusterEmbedded
	}
	if c.Targets == 0 && !v.has("cluster.targets") {
		c.Targets = DefaultTargets
	}
	if c.Proxies == 0 && !v.has("cluster.proxies") {
		c.Proxies = 1
	}
	if c.Mountpaths == 0 && !v.has("cluster.mountpaths") {
		c.Mountpaths = 1
	}
	if c.Network.Mode == "" {
		c.Network.Mode = embedded.NetLoopback
	}
}

// defaultData fills the absent fields of dataset and transformers.
func (v *validator) defaultData() {
	s := v.s
	if s.Dataset.Objects == 0 && !v.has("dataset.objects") {
		s.Dataset.Objects = DefaultObjects
	}
	if s.Dataset.Bucket == "" && !v.has("dataset.bucket") {
		s.Dataset.Bucket = DefaultBucket
	}
	for i := range s.Transformers {
		t := &s.Transformers[i]
		if t.Builtin == "" && t.Spec == "" {
			if _, ok := LookupBuiltin(t.Name); ok {
				t.Builtin = t.Name
			}
		}
		if t.Spec != "" && t.SpecPath == "" {
			t.SpecPath = t.Spec
			if !filepath.IsAbs(t.Spec) {
				t.SpecPath = filepath.Join(filepath.Dir(s.File), t.Spec)
			}
		}
	}
}

// defaultMatrix fills the absent axes of the matrix that have a default:
// hpush, no direct put, etl-get and every transformer defined (else echo).
func (v *validator) defaultMatrix() {
	s := v.s
	m := &s.Matrix
	if len(m.Comm) == 0 {
		m.Comm = []string{CommHPush}
	}
	if len(m.DirectPut) == 0 {
		m.DirectPut = []bool{false}
	}
	if len(m.Op) == 0 {
		m.Op = []string{result.OpETLGet}
	}
	if len(m.Transformer) == 0 {
		for _, t := range s.Transformers {
			if !oneOf(t.Name, m.Transformer) {
				m.Transformer = append(m.Transformer, t.Name)
			}
		}
		if len(m.Transformer) == 0 {
			m.Transformer = []string{"echo"}
		}
	}
	for i, c := range m.Comm {
		m.Comm[i] = strings.TrimSuffix(strings.ToLower(c), "://")
	}
}

// defaultLoad fills the absent fields of load.
func (v *validator) defaultLoad() {
	l := &v.s.Load
	if l.Model == "" {
		l.Model = ModelClosed
	}
	if l.Workers == 0 && !v.has("load.workers") {
		l.Workers = DefaultWorkers
	}
	if l.PctPut == 0 && !v.has("load.pctput") {
		l.PctPut = DefaultPctPut
	}
}

func oneOf(val string, set []string) bool {
	for _, x := range set {
		if x == val {
			return true
		}
	}
	return false
}

// orList spells set as "a, b or c".
func orList(set []string) string {
	if len(set) == 1 {
		return set[0]
	}
	return strings.Join(set[:len(set)-1], ", ") + " or " + set[len(set)-1]
}

func (v *validator) validate() {
	s := v.s
	if s.Name == "" {
		v.errf("name", "missing: every scenario has a name")
	} else if !scenarioNameRe.MatchString(s.Name) {
		v.errf("name", "bad name %q: want 1..64 of letters, digits, '.', '_' and '-', starting with a letter or digit", s.Name)
	}
	v.cluster()
	v.dataset()
	v.transformers()
	v.matrix()
	v.load()
	if s.Repeats < 1 || s.Repeats > MaxRepeats {
		v.errf("repeats", "%d repeats: want 1..%d", s.Repeats, MaxRepeats)
	}
	if s.Duration <= 0 || s.Duration > MaxDuration {
		v.errf("duration", "duration %v: want more than 0 and at most %v", s.Duration, MaxDuration)
	}
	if s.Warmup < 0 || s.Warmup > MaxDuration {
		v.errf("warmup", "warm-up %v: want 0 or more and at most %v", s.Warmup, MaxDuration)
	}
	if n := s.countRuns(); n > MaxRuns {
		v.errf("matrix", "%.0f cell runs (cells x repeats): at most %d", n, MaxRuns)
	}
}

// countRuns is len(Expand()) computed without expanding (as a float, so
// that a huge matrix cannot overflow).
func (s *Scenario) countRuns() float64 {
	m := s.Matrix
	n1 := func(k int) float64 { return float64(max(k, 1)) }
	perModel := 0.0
	models := m.Model
	if len(models) == 0 {
		models = []string{s.Load.Model}
	}
	for _, md := range models {
		if md == ModelOpen {
			perModel += n1(len(m.Rate))
		} else {
			perModel++
		}
	}
	total := 0.0
	for _, op := range m.Op {
		cells := n1(len(m.Size)) * n1(len(m.Cluster))
		if IsETLOp(op) {
			cells *= n1(len(m.Comm)) * n1(len(m.DirectPut)) * n1(len(m.Transformer))
		} else if result.IsClientOp(op) {
			cells *= n1(len(m.Transformer))
		}
		if !IsOfflineOp(op) {
			cells *= perModel * n1(len(m.Workers))
		}
		total += cells
	}
	return total * n1(s.Repeats)
}

func (v *validator) cluster() {
	c := v.s.Cluster
	if !oneOf(c.Kind, []string{ClusterEmbedded, ClusterKubernetes, ClusterAisnode}) {
		v.errf("cluster.kind", "unknown cluster kind %q; want embedded, kubernetes or aisnode", c.Kind)
	}
	if c.Targets < 1 || c.Targets > MaxTargets {
		v.errf("cluster.targets", "%d targets: want 1..%d", c.Targets, MaxTargets)
	}
	if c.Proxies < 1 || c.Proxies > MaxProxies {
		v.errf("cluster.proxies", "%d proxies: want 1..%d", c.Proxies, MaxProxies)
	} else if c.Proxies > 1 && c.Kind != ClusterEmbedded {
		v.errf("cluster.proxies", "%d proxies: several proxies need cluster.kind embedded (a %s cluster has its own)", c.Proxies, c.Kind)
	}
	if c.Mountpaths < 1 || c.Mountpaths > MaxMountpaths {
		v.errf("cluster.mountpaths", "%d mountpaths: want 1..%d per target", c.Mountpaths, MaxMountpaths)
	}
	switch c.Network.Mode {
	case embedded.NetLoopback:
		for _, l := range []string{"node_link", "client_link"} {
			if v.has("cluster.network." + l) {
				v.errf("cluster.network."+l, "%s shapes the emulated network: set cluster.network.mode: emulated", l)
			}
		}
	case embedded.NetEmulated:
		if c.Kind != ClusterEmbedded {
			v.errf("cluster.network.mode", "the emulated network is for the embedded cluster, not %s", c.Kind)
		}
		for name, l := range map[string]embedded.LinkShape{"node_link": c.Network.NodeLink, "client_link": c.Network.ClientLink} {
			if err := l.Validate(); err != nil {
				v.errf("cluster.network."+name, "%v", err)
			}
		}
	default:
		v.errf("cluster.network.mode", "unknown network mode %q; want loopback or emulated", c.Network.Mode)
	}
}

func (v *validator) checkSize(path string, sz Size) bool {
	if sz < 1 || sz > MaxObjectSize {
		v.errf(path, "object size %v: want 1B..%v", sz, MaxObjectSize)
		return false
	}
	return true
}

func (v *validator) dataset() {
	s := v.s
	ds := s.Dataset
	if ds.Objects < 1 || ds.Objects > MaxObjects {
		v.errf("dataset.objects", "%d objects: want 1..%d", ds.Objects, MaxObjects)
	}
	if ds.Content != "" && !oneOf(ds.Content, contents) {
		v.errf("dataset.content", "unknown content %q; want %s", ds.Content, orList(contents))
	}
	if !bucketRe.MatchString(ds.Bucket) {
		v.errf("dataset.bucket", "bad bucket prefix %q: want 1..32 of letters, digits, '.', '_' and '-'", ds.Bucket)
	}
	v.datasetSizes()
	for i, sz := range ds.Sizes {
		v.checkSize(strict.Index("dataset.sizes", i), sz)
	}
	if largest := s.largestSize(); largest > 0 && ds.Objects > 0 {
		if total := float64(largest) * float64(ds.Objects); total > float64(MaxDatasetSize) {
			v.errf("dataset.objects", "%d objects of up to %v make more than %v per dataset; use fewer objects", ds.Objects, largest, MaxDatasetSize)
		}
	}
}

// datasetSizes checks that the object sizes come from exactly one place:
// dataset.sizes, dataset.min_size and max_size, or a matrix.size axis.
func (v *validator) datasetSizes() {
	ds := v.s.Dataset
	hasList := len(ds.Sizes) > 0
	hasRange := v.has("dataset.min_size") || v.has("dataset.max_size") || ds.MinSize != 0 || ds.MaxSize != 0
	hasAxis := len(v.s.Matrix.Size) > 0
	switch {
	case hasList && hasRange:
		v.errf("dataset.sizes", "give either sizes or min_size/max_size, not both")
	case hasAxis && hasList:
		v.errf("dataset.sizes", "not allowed with matrix.size: each cell's object size comes from the matrix")
	case hasAxis && hasRange:
		v.errf("dataset.min_size", "not allowed with matrix.size: each cell's object size comes from the matrix")
	case !hasAxis && !hasList && !hasRange:
		v.errf("dataset", "no object size: give dataset.sizes, dataset.min_size and max_size, or a matrix.size axis")
	case hasRange:
		v.sizeRange()
	}
}

// sizeRange checks dataset.min_size and max_size.
func (v *validator) sizeRange() {
	ds := v.s.Dataset
	switch {
	case !v.has("dataset.min_size") && ds.MinSize == 0:
		v.errf("dataset.max_size", "max_size without min_size")
	case !v.has("dataset.max_size") && ds.MaxSize == 0:
		v.errf("dataset.min_size", "min_size without max_size")
	case v.checkSize("dataset.min_size", ds.MinSize) && v.checkSize("dataset.max_size", ds.MaxSize) && ds.MinSize > ds.MaxSize:
		v.errf("dataset.min_size", "min_size %v is larger than max_size %v", ds.MinSize, ds.MaxSize)
	}
}

// largestSize is the largest object size any cell uses.
func (s *Scenario) largestSize() Size {
	var m Size
	for _, l := range [][]Size{s.Dataset.Sizes, s.Matrix.Size, {s.Dataset.MaxSize}} {
		for _, x := range l {
			m = max(m, x)
		}
	}
	return m
}

// smallestSize is the smallest object size any cell uses (0 if none).
func (s *Scenario) smallestSize() Size {
	m := Size(-1)
	for _, l := range [][]Size{s.Dataset.Sizes, s.Matrix.Size} {
		for _, x := range l {
			if m < 0 || x < m {
				m = x
			}
		}
	}
	if s.Dataset.MinSize > 0 && (m < 0 || s.Dataset.MinSize < m) {
		m = s.Dataset.MinSize
	}
	return max(m, 0)
}

func (v *validator) transformers() {
	s := v.s
	seen := map[string]int{}
	for i, t := range s.Transformers {
		p := strict.Index("transformers", i)
		switch {
		case t.Name == "":
			v.errf(p+".name", "missing: every transformer has a name (matrix.transformer refers to it)")
		case !transformerNameRe.MatchString(t.Name):
			v.errf(p+".name", "bad name %q: want 1..32 of [a-z0-9-], starting and ending with a letter or digit", t.Name)
		default:
			if j, dup := seen[t.Name]; dup {
				v.errf(p+".name", "transformer %q is defined twice (also transformers[%d])", t.Name, j)
			}
			seen[t.Name] = i
		}
		switch {
		case t.Spec != "" && t.Builtin != "":
			v.errf(p+".spec", "give either builtin or spec, not both")
		case t.Spec != "":
			v.checkSpecFile(p+".spec", t)
		case t.Builtin == "" && t.Name != "":
			v.errf(p+".builtin", "%q is not a built-in transformer: set builtin (one of %s) or spec (a spec file)", t.Name, strings.Join(builtinNames(), ", "))
		case t.Builtin != "":
			if _, ok := LookupBuiltin(t.Builtin); !ok {
				v.errf(p+".builtin", "unknown built-in transformer %q; want one of %s", t.Builtin, strings.Join(builtinNames(), ", "))
			}
		}
		if t.Content != "" && !oneOf(t.Content, contents) {
			v.errf(p+".content", "unknown content %q; want %s", t.Content, orList(contents))
		} else if b, ok := LookupBuiltin(t.Builtin); ok && b.Content != "" {
			if c := s.ContentFor(t); c != b.Content {
				where := p + ".content"
				if t.Content == "" {
					where = "dataset.content"
				}
				v.errf(where, "transformer %q (%s) needs %s input, not %s; set %s.content: %s", t.Name, b.Name, b.Content, c, p, b.Content)
			}
		}
		if t.InitTimeout < 0 {
			v.errf(p+".init_timeout", "negative duration %v", t.InitTimeout)
		}
		if t.ObjTimeout < 0 {
			v.errf(p+".obj_timeout", "negative duration %v", t.ObjTimeout)
		}
	}
}

// checkSpecFile reads a custom spec file: it must be a JSON or YAML mapping
// with a runtime that names an image or a command.
func (v *validator) checkSpecFile(path string, t Transformer) {
	fi, err := os.Stat(t.SpecPath)
	if err != nil {
		v.errf(path, "spec file: %v", err)
		return
	}
	if fi.Size() > MaxSpecFile {
		v.errf(path, "spec file %s is larger than %d bytes", t.SpecPath, MaxSpecFile)
		return
	}
	m, err := ReadSpecFile(t.SpecPath)
	if err != nil {
		v.errf(path, "%v", err)
		return
	}
	rt, _ := m["runtime"].(map[string]any)
	if rt == nil {
		v.errf(path, "spec file %s has no runtime (want runtime.image or runtime.command)", t.SpecPath)
		return
	}
	img, _ := rt["image"].(string)
	cmd, _ := rt["command"].([]any)
	if img == "" && len(cmd) == 0 {
		v.errf(path, "spec file %s: runtime needs an image or a command", t.SpecPath)
	}
}

// ReadSpecFile reads an ETL spec file (JSON or YAML, one document) as a
// generic mapping, so that a runner can set its name, communication and
// support_direct_put and send it on.
func ReadSpecFile(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec file: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("spec file %s: %w", path, err)
	}
	if m == nil {
		return nil, fmt.Errorf("spec file %s is empty", path)
	}
	return m, nil
}

// ContentFor is the content kind of the data that cells with t read: t's
// own content, else what its built-in needs, else the dataset's content,
// else what suits the built-in, else random.
func (s *Scenario) ContentFor(t Transformer) string {
	if t.Content != "" {
		return t.Content
	}
	b, _ := LookupBuiltin(t.Builtin)
	switch {
	case b.Content != "":
		return b.Content
	case s.Dataset.Content != "":
		return s.Dataset.Content
	case b.DefaultContent != "":
		return b.DefaultContent
	}
	return ContentRandom
}

// LookupTransformer returns the transformer the matrix calls name: one
// defined under transformers, or a built-in used by its name.
func (s *Scenario) LookupTransformer(name string) (Transformer, bool) {
	for _, t := range s.Transformers {
		if t.Name == name {
			return t, true
		}
	}
	if _, ok := LookupBuiltin(name); ok {
		return Transformer{Name: name, Builtin: name}, true
	}
	return Transformer{}, false
}

func (v *validator) axisStrings(path string, vals []string, set []string, what string) {
	seen := map[string]bool{}
	for i, x := range vals {
		p := strict.Index(path, i)
		if !oneOf(x, set) {
			v.errf(p, "unknown %s %q; want %s", what, x, orList(set))
			continue
		}
		if seen[x] {
			v.errf(p, "%q is repeated", x)
		}
		seen[x] = true
	}
}

func (v *validator) matrix() {
	s := v.s
	m := s.Matrix
	v.axisStrings("matrix.cluster", m.Cluster, peers, "cluster")
	v.matrixPeers()
	v.axisStrings("matrix.comm", m.Comm, commModes, "mode")
	v.axisStrings("matrix.op", m.Op, ops, "op")
	v.axisStrings("matrix.model", m.Model, models, "load model")
	seenB := map[bool]bool{}
	for i, b := range m.DirectPut {
		if seenB[b] {
			v.errf(strict.Index("matrix.direct_put", i), "%v is repeated", b)
		}
		seenB[b] = true
	}
	seenS := map[Size]bool{}
	for i, sz := range m.Size {
		p := strict.Index("matrix.size", i)
		if v.checkSize(p, sz) && seenS[sz] {
			v.errf(p, "%v is repeated", sz)
		}
		seenS[sz] = true
	}
	v.matrixTransformers()
	v.matrixLoad()
	v.contentSizes()
}

// matrixPeers checks the cluster axis and that aisnode runs make no ETL
// operations.
func (v *validator) matrixPeers() {
	s := v.s
	m := s.Matrix
	if len(m.Cluster) > 0 && s.Cluster.Kind != ClusterEmbedded {
		v.errf("matrix.cluster", "a cluster axis runs its own etlcore and aisnode clusters: not with cluster.kind %s", s.Cluster.Kind)
	}
	if !oneOf(PeerAisnode, m.Cluster) && s.Cluster.Kind != ClusterAisnode {
		return
	}
	for i, op := range m.Op {
		if IsETLOp(op) {
			v.errf(strict.Index("matrix.op", i), "op %s needs ETL, which aisnode (AIStore without Kubernetes) does not have: leave it out of aisnode runs", op)
		}
	}
}

// matrixTransformers checks the transformer axis: each one defined or
// built in, once, built in for the client-side ops, with the input
// content it needs.
func (v *validator) matrixTransformers() {
	s := v.s
	seen := map[string]bool{}
	for i, name := range s.Matrix.Transformer {
		p := strict.Index("matrix.transformer", i)
		t, ok := s.LookupTransformer(name)
		if !ok {
			v.errf(p, "unknown transformer %q: define it under transformers, or use a built-in (%s)", name, strings.Join(builtinNames(), ", "))
			continue
		}
		if seen[name] {
			v.errf(p, "%q is repeated", name)
		}
		seen[name] = true
		b, builtin := LookupBuiltin(t.Builtin)
		if !builtin && v.hasClientOp() {
			v.errf(p, "transformer %q is not a built-in: the client-side ops (%s, %s) run a built-in transformer in the loader", name, result.OpClientETLGet, result.OpClientETLCopy)
		}
		if builtin && b.Content != "" && !v.definedTransformer(name) {
			if c := s.ContentFor(t); c != b.Content {
				v.errf(p, "transformer %q needs %s input, but the dataset content is %s; define it under transformers with content: %s", name, b.Content, c, b.Content)
			}
		}
	}
}

// matrixLoad checks the workers and rate axes.
func (v *validator) matrixLoad() {
	m := v.s.Matrix
	seenW := map[int]bool{}
	for i, w := range m.Workers {
		p := strict.Index("matrix.workers", i)
		if w < 1 || w > MaxWorkers {
			v.errf(p, "%d workers: want 1..%d", w, MaxWorkers)
		} else if seenW[w] {
			v.errf(p, "%d is repeated", w)
		}
		seenW[w] = true
	}
	seenR := map[float64]bool{}
	for i, r := range m.Rate {
		p := strict.Index("matrix.rate", i)
		if r <= 0 || r > MaxRate {
			v.errf(p, "rate %v: want more than 0 and at most %d operations per second", r, MaxRate)
		} else if seenR[r] {
			v.errf(p, "%v is repeated", r)
		}
		seenR[r] = true
	}
}

// contentSizes checks that the smallest objects can hold each
// transformer's content: generated JPEG and WAV objects have a least size.
func (v *validator) contentSizes() {
	s := v.s
	small := s.smallestSize()
	if small <= 0 {
		return
	}
	for _, name := range s.Matrix.Transformer {
		t, ok := s.LookupTransformer(name)
		if !ok {
			continue
		}
		c := s.ContentFor(t)
		if minSz := Size(dataset.MinSize(c)); small < minSz {
			v.errf(v.sizePath(), "%v objects are too small for %s content (transformer %q): want at least %v", small, c, name, minSz)
			return
		}
	}
}

// hasClientOp reports whether the matrix has a client-side op.
func (v *validator) hasClientOp() bool {
	for _, op := range v.s.Matrix.Op {
		if result.IsClientOp(op) {
			return true
		}
	}
	return false
}

func (v *validator) definedTransformer(name string) bool {
	for _, t := range v.s.Transformers {
		if t.Name == name {
			return true
		}
	}
	return false
}

// sizePath names the field that sets object sizes.
func (v *validator) sizePath() string {
	switch {
	case len(v.s.Matrix.Size) > 0:
		return "matrix.size"
	case len(v.s.Dataset.Sizes) > 0:
		return "dataset.sizes"
	}
	return "dataset.min_size"
}

func (v *validator) load() {
	s := v.s
	l := s.Load
	if !oneOf(l.Model, models) {
		v.errf("load.model", "unknown load model %q; want closed or open", l.Model)
	}
	if l.Workers < 1 || l.Workers > MaxWorkers {
		v.errf("load.workers", "%d workers: want 1..%d", l.Workers, MaxWorkers)
	}
	if l.Rate < 0 || l.Rate > MaxRate {
		v.errf("load.rate", "rate %v: want 0..%d operations per second", l.Rate, MaxRate)
	}
	if l.PctPut < 0 || l.PctPut > 100 {
		v.errf("load.pctput", "%d%%: want 0..100", l.PctPut)
	} else if oneOf(result.OpMixed, s.Matrix.Op) && (l.PctPut < 1 || l.PctPut > 99) {
		v.errf("load.pctput", "op mixed needs 1..99%% PUTs, got %d", l.PctPut)
	}
	ms := s.Matrix.Model
	if len(ms) == 0 {
		ms = []string{l.Model}
	}
	open := oneOf(ModelOpen, ms)
	hasRate := l.Rate > 0 || len(s.Matrix.Rate) > 0
	switch {
	case open && !hasRate:
		v.errf("load.rate", "the open load model needs a rate (operations per second): set load.rate or matrix.rate")
	case !open && l.Rate > 0:
		v.errf("load.rate", "a rate is only for the open load model; set load.model: open, or use workers")
	case !open && len(s.Matrix.Rate) > 0:
		v.errf("matrix.rate", "a rate axis is only for the open load model; set load.model: open")
	}
}
