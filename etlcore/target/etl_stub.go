package target

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
)

// Placeholders replaced by the ETL data path.
func (t *Target) etlRoutes(mux *api.Router) {}
func (t *Target) stopAllETLs()              {}
func (t *Target) inlineETL(w http.ResponseWriter, r *http.Request, bck, obj string) {
	api.WriteErr(w, r, http.StatusNotImplemented, "ETL not implemented yet")
}
func (t *Target) transformCopy(w http.ResponseWriter, r *http.Request, bck, obj string) {
	api.WriteErr(w, r, http.StatusNotImplemented, "ETL not implemented yet")
}
func (t *Target) startJob(w http.ResponseWriter, r *http.Request, bck string, msg *api.ActMsg) {
	api.WriteErr(w, r, http.StatusNotImplemented, "ETL not implemented yet")
}
