package target

import (
	"net/http"
	"os"
	"strconv"

	"github.com/etlbench/etlbench/etlcore/api"
)

// aisObjVersion is the version etlcore reports for every object: it keeps
// one version (a PUT replaces the object), so each object is at its
// first, as AIStore numbers a new object.
const aisObjVersion = "1"

// setAisObjAttrs adds the object attributes AIStore's clients read from a
// GET or HEAD answer: Ais-Version and Ais-Atime (Unix nanoseconds; etlcore
// does not track reads, so it is the time the object was written).
func setAisObjAttrs(h http.Header, fi os.FileInfo) {
	h.Set(api.HdrObjVersion, aisObjVersion)
	h.Set(api.HdrObjAtime, strconv.FormatInt(fi.ModTime().UnixNano(), 10))
}
