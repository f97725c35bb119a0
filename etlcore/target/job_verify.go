package target

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// Direct-put verification. A transformer's "delivered" answer (hpush/hpull
// 204, a ws text frame) is only its word: a transformer that sent the
// result elsewhere (a stale destination), or nowhere, would make a job
// count an object that its destination does not hold. So every result a
// transformer reports delivered is a claim, checked with the destination's
// owner before it counts: the owner records each direct put it stores, by
// job id and destination name, and a claim holds when the owner stored as
// many direct puts of that name in that job as were claimed. A job checks
// its claims when its share of the objects is done (every transformer
// answer, and so every direct put it made, is in by then); a
// transform-copy checks its one claim before it answers.

// dpClaim is one result a transformer reported delivered by direct put.
type dpClaim struct {
	src    string // source object name (for errors)
	dst    string // destination "bck/obj"
	in     int64  // source bytes
	out    int64  // length the transformer reported (-1: unknown)
	badMsg string // set by verification when the claim does not hold
}

// dpRecv is what a destination stored for one name in one job.
type dpRecv struct {
	n    int32 // direct puts stored and not yet claimed
	size int64 // size of the last one
}

// VerifyMsg asks a destination target about direct puts of a job (internal API).
type VerifyMsg struct {
	// Names are destination "bck/obj" names, once per claim.
	Names []string `json:"names"`
	// Forget drops what the target recorded for the job afterwards (a
	// transform-copy: no claim follows).
	Forget bool `json:"forget,omitempty"`
}

// VerifyReply answers a VerifyMsg: for each distinct name asked, how many
// direct puts of it the target stored in the job, and the last one's size.
type VerifyReply struct {
	Stored map[string]int32 `json:"stored"`
	Sizes  map[string]int64 `json:"sizes"`
}

// maxVerifyBatch bounds the claims of one verify request (names are at
// most ~1 KiB: the request stays under the 4 MiB a node reads).
const maxVerifyBatch = 2048

// recordDirectPut notes a direct put stored for job id under name dst.
func (jt *jobTable) recordDirectPut(id, dst string, size int64) {
	jt.received(id, size)
	jt.recvMu.Lock()
	defer jt.recvMu.Unlock()
	if jt.names == nil {
		jt.names = map[string]map[string]*dpRecv{}
	}
	m := jt.names[id]
	if m == nil {
		m = map[string]*dpRecv{}
		jt.names[id] = m
	}
	r := m[dst]
	if r == nil {
		r = &dpRecv{}
		m[dst] = r
	}
	r.n++
	r.size = size
}

// verify answers msg for job id: what was stored for each name. Claimed
// puts are consumed (a name stored twice and claimed once stays with one
// unclaimed); names with nothing left are forgotten.
func (jt *jobTable) verify(id string, msg *VerifyMsg) VerifyReply {
	claimed := map[string]int32{}
	for _, n := range msg.Names {
		claimed[n]++
	}
	rep := VerifyReply{Stored: make(map[string]int32, len(claimed)), Sizes: make(map[string]int64, len(claimed))}
	jt.recvMu.Lock()
	defer jt.recvMu.Unlock()
	m := jt.names[id]
	for n, k := range claimed {
		r := m[n]
		if r == nil {
			rep.Stored[n] = 0
			continue
		}
		rep.Stored[n], rep.Sizes[n] = r.n, r.size
		if r.n -= min(r.n, k); r.n == 0 {
			delete(m, n)
		}
	}
	if msg.Forget || (m != nil && len(m) == 0) {
		delete(jt.names, id)
	}
	if msg.Forget {
		delete(jt.recv, id)
	}
	return rep
}

func (t *Target) handleJobVerify(w http.ResponseWriter, r *http.Request, id string) {
	var msg VerifyMsg
	if _, err := api.ReadJSON(r, &msg); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "verify direct puts of job %q: %v", id, err)
		return
	}
	api.WriteJSON(w, t.jobs.verify(id, &msg))
}

// claimSet collects a job's claims by destination owner.
type claimSet struct {
	mu      sync.Mutex
	byOwner map[string][]*dpClaim
	owners  map[string]*api.NodeInfo
}

func (cs *claimSet) add(owner *api.NodeInfo, c *dpClaim) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.byOwner == nil {
		cs.byOwner, cs.owners = map[string][]*dpClaim{}, map[string]*api.NodeInfo{}
	}
	cs.byOwner[owner.ID] = append(cs.byOwner[owner.ID], c)
	cs.owners[owner.ID] = owner
}

// verifyClaims checks claims with their owner, in batches; each claim that
// does not hold gets its badMsg, and a verified one its out size (the
// owner's). An error is returned only when the owner cannot be asked;
// then every claim of the failed batch and after it is marked.
func (t *Target) verifyClaims(ctx context.Context, owner *api.NodeInfo, id string, claims []*dpClaim, forget bool) error {
	for len(claims) > 0 {
		batch := claims[:min(len(claims), maxVerifyBatch)]
		claims = claims[len(batch):]
		msg := VerifyMsg{Names: make([]string, len(batch)), Forget: forget && len(claims) == 0}
		for i, c := range batch {
			msg.Names[i] = c.dst
		}
		rep, err := t.askVerify(ctx, owner, id, &msg)
		if err != nil {
			for _, c := range append(batch, claims...) {
				c.badMsg = fmt.Sprintf("direct put of %s to target %s reported delivered, but could not be verified: %v", c.dst, owner.ID, err)
			}
			return err
		}
		claimed := map[string]int32{}
		for _, c := range batch {
			claimed[c.dst]++
		}
		for _, c := range batch {
			switch got, want := rep.Stored[c.dst], claimed[c.dst]; {
			case got < want:
				c.badMsg = fmt.Sprintf("the transformer reported %s delivered by direct put to target %s, which stored %d direct puts of it in job %s where %d were reported: the result is missing",
					c.dst, owner.ID, got, id, want)
			case got > want:
				c.badMsg = fmt.Sprintf("target %s stored %d direct puts of %s in job %s where %d were reported: it may hold another object's result",
					owner.ID, got, c.dst, id, want)
			default:
				c.out = rep.Sizes[c.dst]
			}
		}
	}
	return nil
}

func (t *Target) askVerify(ctx context.Context, owner *api.NodeInfo, id string, msg *VerifyMsg) (*VerifyReply, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, owner.URL+api.PathInternal+"jobs/"+url.PathEscape(id)+"/verify", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if t.cfg.AuthToken != "" {
		req.Header.Set(api.HdrAuthorization, "Bearer "+t.cfg.AuthToken)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var rep VerifyReply
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return nil, fmt.Errorf("malformed answer: %w", err)
	}
	return &rep, nil
}

// checkClaims verifies every claim of a job's share (x.claims) and counts
// each in the job and its ETL: out when it holds, an error naming the
// object when not. It returns
// the source names of the claims that do not hold, sorted.
func (t *Target) checkClaims(ctx context.Context, j *tjob, x *xfer) []string {
	cs := x.claims
	cs.mu.Lock()
	ids := make([]string, 0, len(cs.byOwner))
	for id := range cs.byOwner {
		ids = append(ids, id)
	}
	cs.mu.Unlock()
	sort.Strings(ids)
	var bad []string
	for _, id := range ids {
		claims := cs.byOwner[id]
		_ = t.verifyClaims(ctx, cs.owners[id], j.msg.ID, claims, false)
		for _, c := range claims {
			if c.badMsg != "" {
				j.stats.AddErr(t.cfg.ID, c.src, http.StatusBadGateway, c.badMsg)
				x.e.stats.AddErr(t.cfg.ID, cluster.Uname(j.msg.SrcBck, c.src), http.StatusBadGateway, c.badMsg)
				bad = append(bad, c.src)
				continue
			}
			j.stats.Add(c.in, c.out)
			x.e.stats.Add(c.in, c.out)
		}
		cs.byOwner[id] = nil
	}
	sort.Strings(bad)
	return bad
}

// namesList shows up to 10 names and how many more there are.
func namesList(names []string) string {
	const show = 10
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
}
