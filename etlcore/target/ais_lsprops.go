package target

import (
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// wantsProp reports whether a listing's props (AIStore's comma-separated
// names, e.g. "name,size,checksum") ask for prop.
func wantsProp(props, prop string) bool {
	for _, p := range strings.Split(props, ",") {
		if strings.TrimSpace(p) == prop {
			return true
		}
	}
	return false
}

// addChecksums fills in each entry's kept xxhash64 (one extended
// attribute read per object, so only when the listing asks for it).
func (t *Target) addChecksums(bck string, ents []api.ListEntry) {
	for i := range ents {
		if fqn, err := t.store.FQN(bck, ents[i].Name); err == nil {
			ents[i].Checksum = Checksum(fqn)
		}
	}
}
