package cluster

import (
	"fmt"
	"strings"
)

// ParseObjectTo reads a transform-copy destination (the object_to query
// parameter): etlcore's "<bucket>/<object>" or AIStore's bucket uname
// "<provider>/@<ns uuid>#<ns name>/<bucket>/<object>" (the global
// namespace is "@#"), whose provider must be ais.
func ParseObjectTo(s string) (bck, obj string, err error) {
	prov, rest, ok := strings.Cut(s, "/")
	if ok && strings.HasPrefix(rest, "@") {
		ns, rest2, _ := strings.Cut(rest, "/")
		if prov != "ais" {
			return "", "", fmt.Errorf("%q: provider %q: only \"ais\" is supported", s, prov)
		}
		if ns != "@#" && ns != "@" {
			return "", "", fmt.Errorf("%q: namespace %q: only the global namespace (@#) is supported", s, ns)
		}
		rest = rest2
	} else {
		rest = s
	}
	bck, obj, _ = strings.Cut(rest, "/")
	if err := ValidateBucket(bck); err != nil {
		return "", "", fmt.Errorf("%q: %w", s, err)
	}
	if err := ValidateObjName(obj); err != nil {
		return "", "", fmt.Errorf("%q: %w", s, err)
	}
	return bck, obj, nil
}
