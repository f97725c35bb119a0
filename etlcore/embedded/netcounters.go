package embedded

import (
	"context"
	"encoding/json"
	"fmt"
)

// LinkCounters are the interface counters of one link of an emulated
// cluster, read on the node's end of its veth: Rx is what reached the node
// over the link, Tx what the node sent over it (after shaping and loss on
// its side). Bytes are the kernel's skb lengths, so they include the
// Ethernet, IP and TCP headers (once per GSO packet). Counters start at
// zero when the cluster comes up and only grow; take two readings and
// subtract to measure a window.
type LinkCounters struct {
	Link      string `json:"link"` // "client", "p1", "t1", ...
	RxBytes   uint64 `json:"rx_bytes"`
	TxBytes   uint64 `json:"tx_bytes"`
	RxPackets uint64 `json:"rx_packets"`
	TxPackets uint64 `json:"tx_packets"`
}

// ReadLinkCounters returns the counters of every link of the emulated
// cluster st (client first, then p1, t1, ...); nil for a loopback cluster.
// It runs `ip -s -j link show` in each namespace, so any process on the
// host may call it, whatever namespace it is in.
func (st *State) ReadLinkCounters(ctx context.Context) ([]LinkCounters, error) {
	if st.Net == nil {
		return nil, nil
	}
	out := make([]LinkCounters, 0, len(st.Net.Links))
	for _, l := range st.Net.Links {
		c, err := readDevCounters(ctx, l.Netns, l.Dev)
		if err != nil {
			return nil, fmt.Errorf("link %s counters: %w", l.Name, err)
		}
		c.Link = l.Name
		out = append(out, c)
	}
	return out, nil
}

// readDevCounters reads one device's counters with `ip -s -j`.
func readDevCounters(ctx context.Context, ns, dev string) (LinkCounters, error) {
	b, err := netCmd(ctx, "ip", "-n", ns, "-s", "-j", "link", "show", "dev", dev)
	if err != nil {
		return LinkCounters{}, err
	}
	var devs []struct {
		Stats struct {
			Rx struct {
				Bytes   uint64 `json:"bytes"`
				Packets uint64 `json:"packets"`
			} `json:"rx"`
			Tx struct {
				Bytes   uint64 `json:"bytes"`
				Packets uint64 `json:"packets"`
			} `json:"tx"`
		} `json:"stats64"`
	}
	if err := json.Unmarshal(b, &devs); err != nil || len(devs) != 1 {
		return LinkCounters{}, fmt.Errorf("parse `ip -s -j link show dev %s` in %s: %v: %.200s", dev, ns, err, b)
	}
	s := devs[0].Stats
	return LinkCounters{RxBytes: s.Rx.Bytes, TxBytes: s.Tx.Bytes, RxPackets: s.Rx.Packets, TxPackets: s.Tx.Packets}, nil
}
