package scenarios

import (
	"strings"
	"testing"
)

// TestExpandPeers: with a cluster axis, the runs of one point and repeat
// on both clusters go back to back, the first cluster alternates from one
// pair to the next, every point runs Repeats times on each cluster; the
// shipped peers.yaml validates.
func TestExpandPeers(t *testing.T) {
	s, err := Load("peers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	runs := s.Expand()
	if len(runs) != 2*2*2*s.Repeats {
		t.Fatalf("%d runs, want %d", len(runs), 8*s.Repeats)
	}
	count := map[string]int{}
	for i := 0; i < len(runs); i += 2 {
		a, b := runs[i], runs[i+1]
		if a.Cluster == b.Cluster || a.Repeat != b.Repeat || strings.TrimPrefix(a.ID, "cluster="+a.Cluster) != strings.TrimPrefix(b.ID, "cluster="+b.Cluster) {
			t.Fatalf("runs %d and %d are not one point on both clusters: %s r%d, %s r%d", i, i+1, a.ID, a.Repeat, b.ID, b.Repeat)
		}
		want := PeerEtlcore
		if (i/2)%2 == 1 {
			want = PeerAisnode
		}
		if a.Cluster != want {
			t.Errorf("pair %d starts with %s, want %s (alternating)", i/2, a.Cluster, want)
		}
		if a.Axes[AxisCluster] != a.Cluster {
			t.Errorf("%s: cluster axis %q", a.ID, a.Axes[AxisCluster])
		}
		count[a.ID]++
		count[b.ID]++
	}
	for id, n := range count {
		if n != s.Repeats {
			t.Errorf("%s runs %d times, want %d", id, n, s.Repeats)
		}
	}
}

// TestPeersInvalid: ETL operations are refused for aisnode, so are unknown
// clusters and a cluster axis with another cluster kind.
func TestPeersInvalid(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"name: x\ndataset: {sizes: [1KiB]}\nmatrix: {cluster: [etlcore, aisnode], op: [etl-get], transformer: [echo], comm: [ws], direct_put: [false]}\n", "needs ETL, which aisnode"},
		{"name: x\ndataset: {sizes: [1KiB]}\nmatrix: {cluster: [etlcore, minio], op: [get]}\n", `unknown cluster "minio"`},
		{"name: x\ncluster: {kind: kubernetes}\ndataset: {sizes: [1KiB]}\nmatrix: {cluster: [etlcore, aisnode], op: [get]}\n", "not with cluster.kind kubernetes"},
		{"name: x\ncluster: {kind: aisnode}\ndataset: {sizes: [1KiB]}\nmatrix: {op: [etl-bucket], transformer: [md5], comm: [ws], direct_put: [true]}\n", "needs ETL, which aisnode"},
	} {
		_, err := Parse("x.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.doc, err, tc.want)
		}
	}
}
