package target

import (
	"net/http"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/etl"
)

// writeETLErr answers the error of an object sent through an ETL: an ETL
// error (or a timeout) with the status and class etl maps it to, any other
// (the store's, for the source or the destination) with the store's status.
func writeETLErr(w http.ResponseWriter, r *http.Request, err error, format string, a ...any) {
	if class := etl.WireClass(err); class != api.ErrClassServer {
		api.WriteErrClass(w, r, etl.HTTPStatus(err), class, format, a...)
		return
	}
	api.WriteErr(w, r, statusOf(err), format, a...)
}

// writeETLStateErr answers an error of runningETL, pipelineURLs or
// pipelineETL with its status: class not-found when the ETL does not exist
// here, etl when it does not run.
func writeETLStateErr(w http.ResponseWriter, r *http.Request, status int, err error) {
	class := api.ErrClassETL
	if status == http.StatusNotFound {
		class = api.ErrClassNotFound
	}
	api.WriteErrClass(w, r, status, class, "%v", err)
}
