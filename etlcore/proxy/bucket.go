package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

var jsonUnmarshal = json.Unmarshal

func (p *Proxy) bucketExists(bck string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.buckets[bck]
}

// handleBucket serves /v1/buckets/<bck>.
func (p *Proxy) handleBucket(w http.ResponseWriter, r *http.Request) {
	bck, _ := api.SplitBckObj(r.URL.Path, api.PathBuckets)
	if bck == "" && r.Method == http.MethodGet {
		p.mu.RLock()
		names := p.bucketListLocked()
		p.mu.RUnlock()
		api.WriteJSON(w, names)
		return
	}
	if err := cluster.ValidateBucket(bck); err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	switch r.Method {
	case http.MethodHead:
		if !p.bucketExists(bck) {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		setBucketProps(w)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		p.getBucket(w, r, bck)
	case http.MethodPost:
		if !p.authorized(w, r) {
			return
		}
		msg, ok := api.ReadActMsgOr400(w, r)
		if !ok {
			return
		}
		switch msg.Action {
		case api.ActCreateBck:
			p.createBucket(w, r, bck)
		case api.ActETLBck, api.ActETLListRange, api.ActCopyBck, api.ActCopyListRange:
			if !p.bucketExists(bck) {
				api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
				return
			}
			p.ctl.startJob(w, r, bck, listRangePrefix(r, msg))
		case "":
			api.WriteErr(w, r, http.StatusBadRequest, "missing action: the body must be {\"action\": ...}")
		default:
			api.WriteErr(w, r, http.StatusBadRequest, "unknown bucket action %q", msg.Action)
		}
	case http.MethodDelete:
		if !p.authorized(w, r) {
			return
		}
		msg, ok := api.ReadActMsgOr400(w, r)
		if !ok {
			return
		}
		if msg.Action != "" && msg.Action != api.ActDestroyBck {
			api.WriteErr(w, r, http.StatusBadRequest, "DELETE on a bucket takes action %q, not %q", api.ActDestroyBck, msg.Action)
			return
		}
		p.destroyBucket(w, r, bck)
	default:
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on buckets", r.Method)
	}
}

func (p *Proxy) createBucket(w http.ResponseWriter, r *http.Request, bck string) {
	p.bmdMu.Lock()
	defer p.bmdMu.Unlock()
	targets, err := p.aliveTargets(false)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "create bucket %q: %v", bck, err)
		return
	}
	path, created := p.addBucketLocked(bck)
	if !created {
		api.WriteErr(w, r, http.StatusConflict, "bucket %q already exists", bck)
		return
	}
	p.bucketToTargets(w, r, targets, http.MethodPost, path, api.ActCreateBck, fmt.Sprintf("create bucket %q", bck))
}

func (p *Proxy) destroyBucket(w http.ResponseWriter, r *http.Request, bck string) {
	p.bmdMu.Lock()
	defer p.bmdMu.Unlock()
	p.mu.Lock()
	if !p.buckets[bck] {
		p.mu.Unlock()
		api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
		return
	}
	delete(p.buckets, bck)
	p.bmdVer++
	path := bmdPath(bck, p.bmdVer)
	p.saveStateLocked()
	p.mu.Unlock()
	targets, err := p.aliveTargets(false)
	if err != nil {
		w.WriteHeader(http.StatusOK) // down targets drop it when they rejoin
		return
	}
	p.bucketToTargets(w, r, targets, http.MethodDelete, path, api.ActDestroyBck, fmt.Sprintf("destroy bucket %q", bck))
}

// bucketToTargets sends bucket action act to targets and answers 200 when
// every one applied it, else 500: what ("create bucket \"b\"") and each
// failure.
func (p *Proxy) bucketToTargets(w http.ResponseWriter, r *http.Request, targets []api.NodeInfo, method, path, act, what string) {
	body, _ := json.Marshal(api.ActMsg{Action: act})
	if errs := failures(p.broadcast(r.Context(), targets, method, path, body)); len(errs) > 0 {
		api.WriteErr(w, r, http.StatusInternalServerError, "%s: %s", what, strings.Join(errs, "; "))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// listObjects merges one page from every target.
func (p *Proxy) listObjects(w http.ResponseWriter, r *http.Request, bck string) {
	msg, err := api.ParseListRequest(r)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if !p.bucketExists(bck) {
		api.WriteErr(w, r, http.StatusNotFound, "bucket %q does not exist", bck)
		return
	}
	targets, err := p.aliveTargets(true)
	if err != nil {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "list bucket %q: %v: the listing would be incomplete", bck, err)
		return
	}
	am := api.ActMsg{Action: api.ActList}
	am.Value, _ = json.Marshal(msg)
	body, _ := json.Marshal(am)
	var all []api.ListEntry
	more := false
	for _, rp := range p.broadcast(r.Context(), targets, http.MethodGet, api.PathBuckets+bck, body) {
		if rp.failed() {
			api.WriteErr(w, r, http.StatusInternalServerError, "list bucket %q: %s", bck, rp.errString())
			return
		}
		var lr api.ListResult
		if err := json.Unmarshal(rp.body, &lr); err != nil {
			api.WriteErr(w, r, http.StatusInternalServerError, "list bucket %q: target %s: %v", bck, rp.target.ID, err)
			return
		}
		all = append(all, lr.Entries...)
		if lr.ContinuationToken != "" {
			more = true
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	if len(all) > msg.PageSize {
		all, more = all[:msg.PageSize], true
	}
	res := api.ListResult{Entries: all}
	if res.Entries == nil {
		res.Entries = []api.ListEntry{}
	}
	if more && len(all) > 0 {
		res.ContinuationToken = all[len(all)-1].Name
	}
	writeListing(w, r, &res)
}
