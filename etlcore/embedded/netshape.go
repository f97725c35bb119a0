package embedded

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// unlimitedRate is the HTB rate of a link that has loss but no rate: high
// enough never to be the bottleneck.
const unlimitedRate = 100_000_000_000 // 100Gbit

// shapeDev puts l on the egress of dev in namespace ns (both ends of a
// link get it, so it holds in each direction):
//
//	htb root 1:, class 1:10 at l.Rate (every packet)
//	  netem leaf for delay, jitter and loss, when the kernel has netem
//	  without netem, loss is a classic-BPF filter sending a random l.Loss
//	  share of packets to class 1:20, whose pfifo of length 0 drops them
//
// Delay and jitter need netem (CONFIG_NET_SCH_NETEM); asking for them on a
// kernel without it fails naming it.
func shapeDev(ctx context.Context, ns, dev string, l LinkShape) error {
	if !l.Shaped() {
		return nil
	}
	tc := func(args ...string) error {
		_, err := netCmd(ctx, "tc", append([]string{"-n", ns}, args...)...)
		return err
	}
	rate := l.Rate
	if rate == 0 {
		rate = unlimitedRate
	}
	r := strconv.FormatUint(rate, 10) + "bit"
	if err := tc("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "10"); err != nil {
		return err
	}
	if err := tc("class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb", "rate", r, "ceil", r, "burst", htbBurst(rate), "cburst", htbBurst(rate)); err != nil {
		return err
	}
	if l.needsNetem() || l.Loss > 0 {
		args := []string{"qdisc", "add", "dev", dev, "parent", "1:10", "handle", "10:", "netem", "limit", "100000"}
		if l.Delay > 0 {
			args = append(args, "delay", usec(l.Delay))
			if l.Jitter > 0 {
				args = append(args, usec(l.Jitter))
			}
		}
		if l.Loss > 0 {
			args = append(args, "loss", strconv.FormatFloat(l.Loss, 'f', -1, 64)+"%")
		}
		err := tc(args...)
		switch {
		case err == nil:
			return nil
		case !strings.Contains(err.Error(), "qdisc kind is unknown"):
			return err
		case l.needsNetem():
			return fmt.Errorf("link delay and jitter need the kernel's netem qdisc (CONFIG_NET_SCH_NETEM), which this kernel lacks; give only rate and loss: %w", err)
		}
		// No netem: loss by a random classifier and a dropping class.
		if err := tc("class", "add", "dev", dev, "parent", "1:", "classid", "1:20", "htb", "rate", r); err != nil {
			return err
		}
		if err := tc("qdisc", "add", "dev", dev, "parent", "1:20", "handle", "20:", "pfifo", "limit", "0"); err != nil {
			return err
		}
		if err := tc("filter", "add", "dev", dev, "parent", "1:", "protocol", "all", "prio", "1", "bpf", "bytecode", lossBytecode(l.Loss), "classid", "1:20"); err != nil {
			return fmt.Errorf("link loss without netem: %w", err)
		}
	}
	return nil
}

// htbBurst is the HTB burst of a class at rate bits/s: 1 ms of traffic,
// at least 64 KiB (one GSO packet) so a fast link is not held back by
// timer granularity.
func htbBurst(rate uint64) string {
	b := max(uint64(64<<10), rate/8/1000)
	return strconv.FormatUint(b, 10) + "b"
}

func usec(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) + "us" }

// lossBytecode is a classic BPF classifier (tc's "bytecode" syntax) that
// matches a random share pct/100 of packets: it loads the kernel's random
// number (ancillary load SKF_AD_RANDOM) and returns -1 (the filter's
// classid) when it is below the threshold, 0 (no match) otherwise.
func lossBytecode(pct float64) string {
	const (
		ldAbsW   = 0x20       // BPF_LD | BPF_W | BPF_ABS
		jgeK     = 0x35       // BPF_JMP | BPF_JGE | BPF_K
		retK     = 0x06       // BPF_RET | BPF_K
		adRandom = 0xfffff038 // SKF_AD_OFF + SKF_AD_RANDOM
	)
	thr := uint64(math.Round(pct / 100 * (1 << 32)))
	if thr > math.MaxUint32 {
		thr = math.MaxUint32
	}
	return fmt.Sprintf("4,%d 0 0 %d,%d 0 1 %d,%d 0 0 0,%d 0 0 %d", ldAbsW, adRandom, jgeK, thr, retK, retK, uint32(math.MaxUint32))
}
