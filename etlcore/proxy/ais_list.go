package proxy

import (
	"net/http"
	"strings"

	"github.com/tinylib/msgp/msgp"

	"github.com/etlbench/etlbench/etlcore/api"
)

// writeListing answers one page of a listing in AIStore's cmn.LsoRes
// shape: msgpack when the client asks for it first (AIStore's Go client
// does: it is smaller and cheaper to decode), JSON otherwise. Every entry
// is flagged as present in the cluster, as AIStore flags ais:// objects.
func writeListing(w http.ResponseWriter, r *http.Request, res *api.ListResult) {
	for i := range res.Entries {
		res.Entries[i].Flags |= api.EntryIsCached
	}
	if !wantsMsgpack(r) {
		api.WriteJSON(w, res)
		return
	}
	w.Header().Set(api.HdrContentType, api.ContentMsgPack)
	mw := msgp.NewWriter(w)
	if err := res.EncodeMsg(mw); err == nil {
		_ = mw.Flush()
	}
}

// wantsMsgpack reports whether the Accept header asks for msgpack before
// any other type.
func wantsMsgpack(r *http.Request) bool {
	first, _, _ := strings.Cut(r.Header.Get(api.HdrAccept), ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first) == api.ContentMsgPack
}
