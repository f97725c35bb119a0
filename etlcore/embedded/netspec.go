package embedded

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Network modes of the embedded cluster.
const (
	// NetLoopback runs every node on the host's loopback (the default).
	NetLoopback = "loopback"
	// NetEmulated runs every node in a network namespace of its own,
	// joined to one bridge by shaped veth links.
	NetEmulated = "emulated"
)

// NetSpec is the network an embedded cluster runs on.
type NetSpec struct {
	Mode string `json:"mode"` // loopback (default) | emulated
	// NodeLink shapes the link of every node (the proxy, each target
	// with its transformers) to the bridge.
	NodeLink LinkShape `json:"node_link"`
	// ClientLink shapes the link of the client namespace the loader
	// runs in.
	ClientLink LinkShape `json:"client_link"`
}

// String describes s in one line: "loopback", or "emulated: node links
// rate=10Gbit; client link rate=1Gbit,delay=5ms".
func (s *NetSpec) String() string {
	if !s.Emulated() {
		return NetLoopback
	}
	return fmt.Sprintf("%s: node links %s; client link %s", NetEmulated, s.NodeLink, s.ClientLink)
}

// Emulated reports whether s asks for the emulated network.
func (s *NetSpec) Emulated() bool { return s != nil && s.Mode == NetEmulated }

// LinkShape is how one link behaves. It applies in each direction: a
// node's outgoing and incoming traffic each get Rate, Delay, Jitter and
// Loss. The zero value is an unshaped link.
type LinkShape struct {
	Rate   uint64        `json:"rate_bps,omitempty"` // bits per second; 0: not limited
	Delay  time.Duration `json:"delay,omitempty"`    // one way, per direction
	Jitter time.Duration `json:"jitter,omitempty"`   // +- around Delay
	Loss   float64       `json:"loss_pct,omitempty"` // percent of packets dropped, 0..100
}

// Shaped reports whether l changes anything about its link.
func (l LinkShape) Shaped() bool { return l != LinkShape{} }

// needsNetem reports whether l needs the kernel's netem qdisc (delay and
// jitter have no other implementation; loss has one, see shapeLink).
func (l LinkShape) needsNetem() bool { return l.Delay > 0 || l.Jitter > 0 }

// Validate checks l's values.
func (l LinkShape) Validate() error {
	switch {
	case l.Delay < 0:
		return fmt.Errorf("delay %v is negative", l.Delay)
	case l.Jitter < 0:
		return fmt.Errorf("jitter %v is negative", l.Jitter)
	case l.Jitter > 0 && l.Delay == 0:
		return fmt.Errorf("jitter %v without a delay: give a delay of at least the jitter", l.Jitter)
	case l.Delay > time.Minute:
		return fmt.Errorf("delay %v: want at most 1m", l.Delay)
	case l.Loss < 0 || l.Loss > 100 || math.IsNaN(l.Loss):
		return fmt.Errorf("loss %v%%: want 0..100", l.Loss)
	case l.Rate != 0 && l.Rate < 8000:
		return fmt.Errorf("rate %s: want at least 8kbit", FormatRate(l.Rate))
	}
	return nil
}

// String is l in the form ParseLink reads, e.g. "rate=1Gbit,delay=1ms";
// "unshaped" for the zero value.
func (l LinkShape) String() string {
	var parts []string
	if l.Rate > 0 {
		parts = append(parts, "rate="+FormatRate(l.Rate))
	}
	if l.Delay > 0 {
		parts = append(parts, "delay="+l.Delay.String())
	}
	if l.Jitter > 0 {
		parts = append(parts, "jitter="+l.Jitter.String())
	}
	if l.Loss > 0 {
		parts = append(parts, "loss="+strconv.FormatFloat(l.Loss, 'g', -1, 64)+"%")
	}
	if len(parts) == 0 {
		return "unshaped"
	}
	return strings.Join(parts, ",")
}

// ParseLink reads a link shape written as comma-separated key=value pairs:
// rate=100Mbit,delay=2ms,jitter=500us,loss=0.1%. Empty or "unshaped" is
// the unshaped link.
func ParseLink(s string) (LinkShape, error) {
	var l LinkShape
	s = strings.TrimSpace(s)
	if s == "" || s == "unshaped" {
		return l, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return l, fmt.Errorf("link %q: %q is not key=value (keys: rate, delay, jitter, loss)", s, kv)
		}
		var err error
		switch strings.TrimSpace(k) {
		case "rate":
			l.Rate, err = ParseRate(v)
		case "delay":
			l.Delay, err = parseLinkDuration(v)
		case "jitter":
			l.Jitter, err = parseLinkDuration(v)
		case "loss":
			l.Loss, err = ParseLoss(v)
		default:
			return l, fmt.Errorf("link %q: unknown key %q (keys: rate, delay, jitter, loss)", s, k)
		}
		if err != nil {
			return l, fmt.Errorf("link %q: %s: %w", s, k, err)
		}
	}
	if err := l.Validate(); err != nil {
		return l, fmt.Errorf("link %q: %w", s, err)
	}
	return l, nil
}

func parseLinkDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration like 2ms or 500us", s)
	}
	return d, nil
}

// rateUnits are the rate suffixes ParseRate takes (tc's spelling, case
// insensitive), in bits per second; "bps" style byte units are refused
// because tc reads them as bytes.
var rateUnits = []struct {
	suffix string
	mult   float64
}{
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
}

// ParseRate reads a link rate in bits per second: 10Gbit, 1Gbit,
// 100Mbit, 1.5Gbit, 500kbit.
func ParseRate(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			break
		}
		bps := f * u.mult
		if bps > 1e13 {
			return 0, fmt.Errorf("rate %q: want at most 10Tbit", s)
		}
		return uint64(math.Round(bps)), nil
	}
	return 0, fmt.Errorf("rate %q: want a positive number with a unit: 10Gbit, 1Gbit, 100Mbit, 500kbit", s)
}

// FormatRate writes bits per second the way ParseRate reads them.
func FormatRate(bps uint64) string {
	for _, u := range rateUnits {
		if float64(bps) >= u.mult && u.mult > 1 {
			return strconv.FormatFloat(float64(bps)/u.mult, 'g', 6, 64) + strings.ToUpper(u.suffix[:1]) + u.suffix[1:]
		}
	}
	return strconv.FormatUint(bps, 10) + "bit"
}

// ParseLoss reads a loss percentage: "0.1%", "0.1" (percent either way).
func ParseLoss(s string) (float64, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
		return 0, fmt.Errorf("loss %q: want a percentage 0..100, e.g. 0.1%%", s)
	}
	return f, nil
}
