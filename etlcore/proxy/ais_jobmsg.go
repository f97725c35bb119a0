package proxy

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// listRangePrefix turns a multi-object job whose template is a pure
// prefix (no {a..b} range: what AIStore's CLI sends for
// `ais etl bucket --prefix P`) into the bucket job over that prefix
// (etl-listrange to etl-bck, copy-listrange to copy-bck), as
// AIStore runs it. Other messages are returned as they are.
func listRangePrefix(r *http.Request, am *api.ActMsg) *api.ActMsg {
	bckKind := bckJobOf(am.Action)
	if bckKind == "" {
		return am
	}
	var m api.TCOMsg
	if am.DecodeValue(&m) != nil || m.Template == "" || strings.Contains(m.Template, "{") || len(m.ObjNames) > 0 {
		return am // startJob reports a bad message
	}
	b := m.TCBMsg
	b.Prefix = m.Template
	out := &api.ActMsg{Action: bckKind, Name: am.Name}
	out.Value, _ = json.Marshal(b)
	if m.ToBck != "" {
		q := r.URL.Query()
		q.Set(api.QparamBckTo, m.ToBck)
		r.URL.RawQuery = q.Encode()
	}
	return out
}
