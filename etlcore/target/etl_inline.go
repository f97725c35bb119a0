package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
	"github.com/etlbench/etlbench/etlcore/etl"
	"github.com/etlbench/etlbench/internal/bufpool"
	"github.com/etlbench/etlbench/internal/countio"
)

// pipelineURLs returns the transformer URLs of the ETLs named in a
// comma-separated pipeline (all must run on this target).
func (t *Target) pipelineURLs(pipeline []string) ([]string, int, error) {
	var urls []string
	for _, n := range pipeline {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		e, st, err := t.runningETL(n)
		if err != nil {
			return nil, st, fmt.Errorf("pipeline: %w", err)
		}
		urls = append(urls, e.inst.URL())
	}
	return urls, 0, nil
}

// pipelineETL returns the running ETL name and the transformer URLs of the
// comma-separated pipeline after it; st is the status of an error.
func (t *Target) pipelineETL(name, pipeline string) (e *etlInst, next []string, st int, err error) {
	if e, st, err = t.runningETL(name); err != nil {
		return nil, nil, st, err
	}
	if next, st, err = t.pipelineURLs(splitList(pipeline)); err != nil {
		return nil, nil, st, err
	}
	return e, next, 0, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// inlineETL serves GET /v1/objects/<bck>/<obj>?etl_name=..: the object
// streamed through the ETL (and the pipeline after it).
// q is the request's parsed query.
func (t *Target) inlineETL(w http.ResponseWriter, r *http.Request, q url.Values, bck, obj string) {
	name, args := q.Get(api.QparamETLName), q.Get(api.QparamETLArgs)
	e, next, st, err := t.pipelineETL(name, q.Get(api.QparamETLPipeline))
	if err != nil {
		writeETLStateErr(w, r, st, err)
		return
	}
	fi, fqn, err := t.store.Stat(bck, obj)
	if err != nil {
		writeStoreErr(w, r, err)
		return
	}
	// hpull without a pipeline: the client follows a redirect to the
	// transformer, which reads the local file.
	if e.spec.Communication == api.CommHPULL && len(next) == 0 {
		e.stats.Add(fi.Size(), 0)
		http.Redirect(w, r, etl.HPullRedirectURL(e.inst.URL(), bck, obj, fqn, args), http.StatusTemporaryRedirect)
		return
	}
	start := time.Now()
	defer e.observe(start)
	res, err := e.comm.Do(r.Context(), &etl.ObjRequest{Bck: bck, ObjName: obj, FQN: fqn, Size: fi.Size(), Args: args, NodeURLs: next})
	if err != nil {
		e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), etl.HTTPStatus(err), err.Error())
		writeETLErr(w, r, err, "target %s: etl %q: %s/%s: %v", t.cfg.ID, name, bck, obj, err)
		return
	}
	if res.Body == nil {
		e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), http.StatusBadGateway, "transformer answered without a body")
		api.WriteErrClass(w, r, http.StatusBadGateway, api.ErrClassETL, "etl %q answered an inline GET without a body", name)
		return
	}
	defer res.Body.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	if res.Size >= 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(res.Size, 10))
	}
	// hpush results of known length go from the transformer's socket to
	// the client's by splice (etl's rawBody.WriteTo); others are copied in
	// few, large system calls.
	var n int64
	if wt, ok := res.Body.(io.WriterTo); ok {
		n, err = wt.WriteTo(w)
	} else {
		n, err = bufpool.Copy(w, res.Body, res.Size)
	}
	if err != nil {
		e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), http.StatusBadGateway, "stream result: "+err.Error())
		// Abort the response so the client sees the truncation: returning
		// would end a chunked body cleanly (a short, "complete" object).
		panic(http.ErrAbortHandler)
	}
	e.stats.Add(fi.Size(), n)
}

// transformCopy serves PUT /v1/objects/<bck>/<obj>?object_to=ais/@#/<dst>/<obj2>&etl_name=..
// (object_to also etlcore's older <dst>/<obj2>): a synchronous
// single-object transform into the destination bucket; without etl_name,
// a plain copy (copy.go). As in AIStore's target, the destination is
// parsed and looked up before the ETL.
func (t *Target) transformCopy(w http.ResponseWriter, r *http.Request, bck, obj string) {
	q := r.URL.Query()
	name := q.Get(api.QparamETLName)
	to := q.Get(api.QparamObjectTo)
	if to == "" {
		api.WriteErr(w, r, http.StatusBadRequest, "a copy needs %s (the destination ais/@#/BUCKET/OBJECT); %s=%q alone is not one", api.QparamObjectTo, api.QparamETLName, name)
		return
	}
	if prov := q.Get(api.QparamProvider); prov != "" && prov != api.Provider {
		api.WriteErr(w, r, http.StatusBadRequest, "%s %q of source bucket %q: only %q is supported", api.QparamProvider, prov, bck, api.Provider)
		return
	}
	dstBck, dstObj, err := cluster.ParseObjectTo(to)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%s: %v", api.QparamObjectTo, err)
		return
	}
	if !t.store.BucketExists(dstBck) {
		api.WriteErr(w, r, http.StatusNotFound, "destination bucket %q does not exist", dstBck)
		return
	}
	if name == "" {
		t.plainCopy(w, r, bck, obj, dstBck, dstObj)
		return
	}
	e, next, st, err := t.pipelineETL(name, q.Get(api.QparamETLPipeline))
	if err != nil {
		writeETLStateErr(w, r, st, err)
		return
	}
	directPut := e.spec.SupportDirectPut
	if v := q.Get("direct_put"); v != "" {
		directPut, _ = strconv.ParseBool(v)
	}
	x := &xfer{t: t, e: e, args: q.Get(api.QparamETLArgs), pipeline: next, directPut: directPut, uuid: "copy-" + randSuffix()}
	_, out, err := x.one(r.Context(), bck, obj, dstBck, dstObj)
	if err != nil {
		writeETLErr(w, r, err, "target %s: etl %q: %s/%s -> %s/%s: %v", t.cfg.ID, name, bck, obj, dstBck, dstObj, err)
		return
	}
	w.Header().Set(api.HdrObjSize, strconv.FormatInt(out, 10))
	w.WriteHeader(http.StatusOK)
}

// xfer moves objects through one ETL into a destination bucket: the one
// code path of single-object copies and offline jobs.
type xfer struct {
	t         *Target
	e         *etlInst
	args      string
	pipeline  []string // transformer URLs after e
	directPut bool
	dryRun    bool
	uuid      string
	// claims, when set (a job), collects the results reported delivered
	// by direct put, to verify at the end (job_verify.go); without it (a
	// transform-copy), one is verified before one returns.
	claims *claimSet
}

// errClaimed is what one returns when it added a claim to x.claims: the
// object counts once its destination's owner confirms it.
var errClaimed = errors.New("reported delivered by direct put; counted when verified")

// one transforms bck/obj into dstBck/dstObj and returns the bytes read and written.
// The result is stored locally when this target owns the destination,
// put straight to the owner by the transformer (direct put), or forwarded
// to the owner by this target.
func (x *xfer) one(ctx context.Context, bck, obj, dstBck, dstObj string) (int64, int64, error) {
	if x.e == nil {
		return x.copyOne(ctx, bck, obj, dstBck, dstObj)
	}
	t, e := x.t, x.e
	fi, fqn, err := t.store.Stat(bck, obj)
	if err != nil {
		return 0, 0, err
	}
	req := &etl.ObjRequest{Bck: bck, ObjName: obj, FQN: fqn, Size: fi.Size(), Args: x.args, NodeURLs: x.pipeline}
	var owner *api.NodeInfo
	asked := false // whether the request names a direct-put destination
	if !x.dryRun {
		if owner, err = x.dstOwner(dstBck, dstObj); err != nil {
			return 0, 0, err
		}
		if owner != nil && x.directPut {
			dst := owner.URL + "/" + url.PathEscape(etl.Uname(dstBck, dstObj)) + "?" + api.QparamUUID + "=" + url.QueryEscape(x.uuid)
			req.NodeURLs = append(append([]string(nil), x.pipeline...), dst)
			asked = true
		}
	}
	start := time.Now()
	defer e.observe(start)
	res, err := e.comm.Do(ctx, req)
	if err != nil {
		e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), etl.HTTPStatus(err), err.Error())
		return 0, 0, err
	}
	var n int64
	switch {
	case res.Body == nil:
		if !asked {
			// The request named no destination: the result belongs here
			// (or nowhere, dry run), so whatever the transformer delivered
			// went elsewhere or nowhere.
			err = &etl.ObjError{Class: etl.ClassTransformer, Status: http.StatusBadGateway,
				Msg: fmt.Sprintf("%s/%s: the transformer answered \"delivered by direct put\" to a request that named no direct-put destination; its result is not in %s/%s", bck, obj, dstBck, dstObj)}
			e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), etl.HTTPStatus(err), err.Error())
			return 0, 0, err
		}
		c := &dpClaim{src: obj, dst: dstBck + "/" + dstObj, in: fi.Size(), out: res.DirectPutLength}
		if x.claims != nil {
			x.claims.add(owner, c)
			return 0, 0, errClaimed
		}
		_ = t.verifyClaims(ctx, owner, x.uuid, []*dpClaim{c}, true)
		if c.badMsg != "" {
			e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), http.StatusBadGateway, c.badMsg)
			return 0, 0, &etl.ObjError{Class: etl.ClassDirectPut, Status: http.StatusBadGateway, Msg: c.badMsg}
		}
		e.stats.Add(c.in, c.out)
		return c.in, c.out, nil
	default:
		n, err = x.deliver(ctx, owner, dstBck, dstObj, res.Body, res.Size)
	}
	if res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		e.stats.AddErr(t.cfg.ID, cluster.Uname(bck, obj), statusOf(err), err.Error())
		return 0, 0, err
	}
	e.stats.Add(fi.Size(), n)
	return fi.Size(), n, nil
}

// forward PUTs a result to the destination's owner (the two-hop path).
func (t *Target) forward(ctx context.Context, owner *api.NodeInfo, bck, obj string, body io.Reader, size int64) (int64, error) {
	cr := &countio.Reader{R: body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, owner.URL+api.ObjPath(bck, obj), cr)
	if err != nil {
		return 0, err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("forward to %s: %w", owner.ID, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 400:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, &StoreError{Status: resp.StatusCode, Err: fmt.Errorf("forward to %s: %d %s", owner.ID, resp.StatusCode, strings.TrimSpace(string(b)))}
	case resp.StatusCode >= 300:
		// The client does not follow a redirect of a body it cannot
		// send again: the owner stored nothing. A redirect means its
		// cluster map names another owner than this target's does.
		return 0, &StoreError{Status: http.StatusServiceUnavailable,
			Err: fmt.Errorf("forward %s/%s to %s, its owner in target %s's cluster map: redirected (%d) to %s: the targets' cluster maps disagree; retry",
				bck, obj, owner.ID, t.cfg.ID, resp.StatusCode, resp.Header.Get("Location"))}
	}
	return cr.N, nil
}
