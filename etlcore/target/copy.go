package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// Plain copies: AIStore's PUT /v1/objects/<bck>/<obj>?object_to=... with
// no etl_name, and the copy-bck and copy-listrange jobs. They are xfers
// without an ETL: the source file itself is the body that goes to the
// destination's owner.

// plainCopy serves a single-object copy of bck/obj into dstBck/dstObj
// (the destination bucket was looked up by the caller).
func (t *Target) plainCopy(w http.ResponseWriter, r *http.Request, bck, obj, dstBck, dstObj string) {
	x := &xfer{t: t, uuid: "copy-" + randSuffix()}
	_, out, err := x.one(r.Context(), bck, obj, dstBck, dstObj)
	if err != nil {
		api.WriteErr(w, r, statusOf(err), "target %s: copy %s/%s -> %s/%s: %v", t.cfg.ID, bck, obj, dstBck, dstObj, err)
		return
	}
	w.Header().Set(api.HdrObjSize, strconv.FormatInt(out, 10))
	w.WriteHeader(http.StatusOK)
}

// copyOne copies bck/obj as it is into dstBck/dstObj and returns the
// bytes read and written (a dry run reads nothing and counts the size).
func (x *xfer) copyOne(ctx context.Context, bck, obj, dstBck, dstObj string) (int64, int64, error) {
	if x.dryRun {
		fi, _, err := x.t.store.Stat(bck, obj)
		if err != nil {
			return 0, 0, err
		}
		return fi.Size(), fi.Size(), nil
	}
	owner, err := x.dstOwner(dstBck, dstObj)
	if err != nil {
		return 0, 0, err
	}
	f, fi, _, err := x.t.store.Open(bck, obj)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	n, err := x.deliver(ctx, owner, dstBck, dstObj, f, fi.Size())
	if err != nil {
		return 0, 0, fmt.Errorf("copy to %s/%s: %w", dstBck, dstObj, err)
	}
	return fi.Size(), n, nil
}

// dstOwner returns the target that owns dstBck/dstObj, or nil when this
// one does (or there is no cluster map); an owner that is down is an error.
func (x *xfer) dstOwner(dstBck, dstObj string) (*api.NodeInfo, error) {
	t := x.t
	sm := t.smap.Load()
	if sm == nil || len(sm.Targets) == 0 {
		return nil, nil
	}
	owner, err := cluster.Owner(sm, dstBck, dstObj)
	if err != nil {
		return nil, err
	}
	if owner.ID == t.cfg.ID {
		return nil, nil
	}
	if !owner.Alive {
		return nil, fmt.Errorf("target %s, the owner of %s/%s, is down", owner.ID, dstBck, dstObj)
	}
	return owner, nil
}

// deliver writes body (size bytes, or -1 when unknown) as dstBck/dstObj:
// stored here atomically when owner is nil, forwarded to owner otherwise,
// read and dropped in a dry run. It returns the bytes written.
func (x *xfer) deliver(ctx context.Context, owner *api.NodeInfo, dstBck, dstObj string, body io.Reader, size int64) (int64, error) {
	switch {
	case x.dryRun:
		return io.Copy(io.Discard, body)
	case owner == nil:
		pr, err := x.t.store.Put(dstBck, dstObj, body, size)
		return pr.Size, err
	default:
		return x.t.forward(ctx, owner, dstBck, dstObj, body, size)
	}
}

// startCopyJob starts this target's part of a copy-bck or copy-listrange
// job: the offline job machinery of etl-bck and etl-listrange with an
// xfer that has no ETL.
func (t *Target) startCopyJob(msg *api.JobStartMsg) (int, error) {
	if st, err := t.jobBuckets(msg); err != nil {
		return st, err
	}
	ctx, j, err := t.addJob(msg, nil, false)
	if err != nil {
		return http.StatusConflict, err
	}
	x := &xfer{t: t, dryRun: msg.Msg.DryRun, uuid: msg.ID}
	go t.runJob(ctx, j, x)
	return 0, nil
}
