package target

import (
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/cluster"
)

// handleObject serves /v1/objects/<bck>/<obj>.
func (t *Target) handleObject(w http.ResponseWriter, r *http.Request) {
	bck, obj, err := cluster.ObjFromPath(r.URL.Path, api.PathObjects)
	if err != nil {
		api.WriteErr(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if !t.haveBucket(w, r, bck) {
		return
	}
	if t.redirectToOwner(w, r, bck, obj) {
		return
	}
	q := r.URL.Query()
	switch r.Method {
	case http.MethodGet:
		if q.Get(api.QparamETLName) != "" {
			t.inlineETL(w, r, q, bck, obj)
			return
		}
		t.getObject(w, r, bck, obj, false)
	case http.MethodHead:
		t.getObject(w, r, bck, obj, true)
	case http.MethodPut:
		if q.Get(api.QparamObjectTo) != "" || q.Get(api.QparamETLName) != "" {
			t.transformCopy(w, r, bck, obj)
			return
		}
		t.putObject(w, r, bck, obj)
	case http.MethodDelete:
		if err := t.store.Delete(bck, obj); err != nil {
			writeStoreErr(w, r, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE")
		api.WriteErr(w, r, http.StatusMethodNotAllowed, "method %s not allowed on objects", r.Method)
	}
}

// redirectToOwner answers 307 to the owner when this target does not own
// bck/obj (a client that called the wrong target directly).
func (t *Target) redirectToOwner(w http.ResponseWriter, r *http.Request, bck, obj string) bool {
	sm := t.smap.Load()
	if sm == nil || len(sm.Targets) == 0 {
		return false
	}
	owner, err := cluster.Owner(sm, bck, obj)
	if err != nil || owner.ID == t.cfg.ID {
		return false
	}
	if !owner.Alive {
		api.WriteErr(w, r, http.StatusServiceUnavailable, "target %s, the owner of %s/%s, is down", owner.ID, bck, obj)
		return true
	}
	http.Redirect(w, r, owner.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	return true
}

func (t *Target) getObject(w http.ResponseWriter, r *http.Request, bck, obj string, head bool) {
	f, fi, _, err := t.store.Open(bck, obj)
	if err != nil {
		writeStoreErr(w, r, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set(api.HdrObjSize, strconv.FormatInt(fi.Size(), 10))
	setAisObjAttrs(h, fi)
	if sum := fileChecksum(f); sum != "" {
		h.Set(api.HdrChecksumType, api.ChecksumXXHash)
		h.Set(api.HdrChecksumValue, sum)
	}
	if head {
		h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
		w.WriteHeader(http.StatusOK)
		return
	}
	if conditional(r) {
		// ServeContent answers Range and If-* requests.
		http.ServeContent(w, r, "", fi.ModTime(), f)
		return
	}
	sendWhole(w, f, fi)
}

// conditional reports whether r asks for part of the object or sets a
// precondition: what http.ServeContent is for.
func conditional(r *http.Request) bool {
	h := r.Header
	return h.Get("Range") != "" || h.Get("If-Match") != "" || h.Get("If-None-Match") != "" ||
		h.Get("If-Modified-Since") != "" || h.Get("If-Unmodified-Since") != "" || h.Get("If-Range") != ""
}

// smallGet is the largest object sendWhole writes from memory with the
// response header, in one write; larger ones go with sendfile.
const smallGet = 2 << 10

// sendWhole answers a plain GET with the whole object and the headers
// ServeContent would set. The header goes out first, so that net/http
// moves the body with sendfile at once instead of copying its first 512
// bytes through user space to sniff a type it already has; an object of
// up to smallGet bytes is read and sent with the header in one write.
func sendWhole(w http.ResponseWriter, f *os.File, fi os.FileInfo) {
	h := w.Header()
	size := fi.Size()
	if !fi.ModTime().IsZero() {
		h.Set("Last-Modified", fi.ModTime().UTC().Format(http.TimeFormat))
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	if size <= smallGet {
		var buf [smallGet]byte
		n, err := io.ReadFull(f, buf[:size])
		w.WriteHeader(http.StatusOK)
		if err == nil {
			_, _ = w.Write(buf[:n])
		}
		// A short read (the file shrank under us) ends the response
		// early: the client sees fewer bytes than Content-Length.
		return
	}
	w.WriteHeader(http.StatusOK)
	if err := http.NewResponseController(w).Flush(); err != nil {
		return
	}
	// Limited to the size, so that sendfile stops there instead of
	// calling once more to find the end of the file.
	_, _ = io.Copy(w, io.LimitReader(f, size))
}

func (t *Target) putObject(w http.ResponseWriter, r *http.Request, bck, obj string) {
	res, err := t.store.Put(bck, obj, r.Body, r.ContentLength)
	if err != nil {
		api.DrainBody(r) // the client gets the answer, not a broken pipe
		writeStoreErr(w, r, err)
		return
	}
	w.Header().Set(api.HdrChecksumType, api.ChecksumXXHash)
	w.Header().Set(api.HdrChecksumValue, res.Checksum)
	w.WriteHeader(http.StatusOK)
}
