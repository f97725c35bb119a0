package proxy

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// control is the ETL control plane and the job table (placeholder until
// the ETL control plane lands).
type control struct{ p *Proxy }

func newControl(p *Proxy) *control { return &control{p: p} }

func (c *control) routes(mux *api.Router) {}
func (c *control) shutdown()              {}
func (c *control) targetDown(id string)   {}
func (c *control) handleXactStatus(w http.ResponseWriter, r *http.Request) {
	api.WriteErr(w, r, http.StatusNotImplemented, "not implemented")
}
func (c *control) startJob(w http.ResponseWriter, r *http.Request, bck string, msg *api.ActMsg) {
	api.WriteErr(w, r, http.StatusNotImplemented, "not implemented")
}
