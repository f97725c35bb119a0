package api

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAisNodeDigest checks the node id digest against values a real
// AIStore cluster put in its cluster map.
func TestAisNodeDigest(t *testing.T) {
	for id, want := range map[string]uint64{"welp18080": 9772893085984155944, "VeDt18081": 12305168867718703846} {
		if got := (NodeInfo{ID: id}).ToAis().IDDigest; got != want {
			t.Errorf("digest of %q: %d, AIStore has %d", id, got, want)
		}
	}
}

func TestAisSmapRoundTrip(t *testing.T) {
	s := Smap{Version: 7, Proxy: NodeInfo{ID: "p1", Role: "proxy", URL: "http://127.0.0.1:8080", Alive: true},
		Targets: []NodeInfo{{ID: "t1", Role: "target", URL: "http://127.0.0.1:8081", Alive: true},
			{ID: "t2", Role: "target", URL: "http://[::1]:8082", Alive: false}}}
	b, err := json.Marshal(s.ToAis("abc", time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["version"] != "7" {
		t.Errorf("version %v: AIStore's decoder wants the string \"7\"", raw["version"])
	}
	var m AisSmap
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if tn := m.Tmap["t2"]; tn == nil || tn.PubNet.Hostname != "::1" || tn.PubNet.Port != "8082" || tn.DaeType != "target" {
		t.Errorf("t2 in the AIStore map: %+v", tn)
	}
	back := m.FromAis()
	if back.Version != 7 || back.Proxy != s.Proxy || len(back.Targets) != 2 || back.Targets[0] != s.Targets[0] || back.Targets[1] != s.Targets[1] {
		t.Errorf("round trip: %+v, want %+v", back, s)
	}
}

// TestAisSmapProxies: every proxy is in the AIStore map's pmap, a down one
// is listed in ext.down, proxy_si is the primary, and FromAis gives them
// all back with their state.
func TestAisSmapProxies(t *testing.T) {
	s := Smap{Version: 3, Proxy: NodeInfo{ID: "p2", Role: "proxy", URL: "http://127.0.0.1:8082", Alive: true},
		Proxies: []NodeInfo{{ID: "p1", Role: "proxy", URL: "http://127.0.0.1:8081", Alive: false},
			{ID: "p2", Role: "proxy", URL: "http://127.0.0.1:8082", Alive: true},
			{ID: "p3", Role: "proxy", URL: "http://127.0.0.1:8083", Alive: true}},
		Targets: []NodeInfo{{ID: "t1", Role: "target", URL: "http://127.0.0.1:9001", Alive: true}}}
	b, err := json.Marshal(s.ToAis("abc", time.Unix(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var m AisSmap
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Pmap) != 3 || m.Primary == nil || m.Primary.DaeID != "p2" {
		t.Fatalf("pmap %v, primary %+v: want 3 proxies, p2 primary", m.Pmap, m.Primary)
	}
	if m.Ext == nil || len(m.Ext.Down) != 1 || m.Ext.Down[0] != "p1" {
		t.Fatalf("ext %+v: want p1 down", m.Ext)
	}
	back := m.FromAis()
	if back.Proxy != s.Proxy || len(back.Proxies) != 3 {
		t.Fatalf("round trip: %+v", back)
	}
	for i := range s.Proxies {
		if back.Proxies[i] != s.Proxies[i] {
			t.Errorf("proxy %d: %+v, want %+v", i, back.Proxies[i], s.Proxies[i])
		}
	}
	if one := (&Smap{Proxy: s.Proxy}).AllProxies(); len(one) != 1 || one[0] != s.Proxy {
		t.Errorf("AllProxies of a map without proxies: %+v", one)
	}
}
