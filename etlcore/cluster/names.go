package cluster

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxObjNameLen is the longest object name, in bytes.
const MaxObjNameLen = 1024

// maxSegLen is the longest path segment a filesystem takes.
const maxSegLen = 255

// ValidateBucket checks a bucket name: 1..64 of [A-Za-z0-9_.-], not
// starting with '.' (so no bucket hides among the store's own directories).
func ValidateBucket(bck string) error {
	if bck == "" {
		return fmt.Errorf("bucket name is empty")
	}
	if len(bck) > 64 {
		return fmt.Errorf("bucket name %.16q... is %d bytes long; at most 64", bck, len(bck))
	}
	if bck[0] == '.' {
		return fmt.Errorf("bucket name %q must not start with '.'", bck)
	}
	for i := 0; i < len(bck); i++ {
		c := bck[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("bucket name %q has invalid character %q: only [A-Za-z0-9_.-] are allowed", bck, c)
		}
	}
	return nil
}

// ValidateObjName checks an object name: valid UTF-8, 1..1024 bytes, '/'
// allowed as a separator, but no NUL, no leading '/', and no empty, "." or
// ".." segment, so that no name can escape its bucket's directory.
func ValidateObjName(obj string) error {
	switch {
	case obj == "":
		return fmt.Errorf("object name is empty")
	case len(obj) > MaxObjNameLen:
		return fmt.Errorf("object name is %d bytes long; at most %d", len(obj), MaxObjNameLen)
	case !utf8.ValidString(obj):
		return fmt.Errorf("object name %q is not valid UTF-8", obj)
	case strings.IndexByte(obj, 0) >= 0:
		return fmt.Errorf("object name %q contains NUL", obj)
	case obj[0] == '/':
		return fmt.Errorf("object name %q is absolute (starts with '/')", obj)
	}
	for _, seg := range strings.Split(obj, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("object name %q has an empty path segment", obj)
		case seg == "." || seg == "..":
			return fmt.Errorf("object name %q has a %q segment", obj, seg)
		case len(seg) > maxSegLen:
			return fmt.Errorf("object name %q has a segment of %d bytes; at most %d", obj, len(seg), maxSegLen)
		}
	}
	return nil
}

// ObjFromPath splits the part of an object URL path after prefix into a
// bucket and an object name, and validates both.
func ObjFromPath(path, prefix string) (bck, obj string, err error) {
	rest := strings.TrimPrefix(path, prefix)
	bck, obj, _ = strings.Cut(rest, "/")
	if err := ValidateBucket(bck); err != nil {
		return "", "", err
	}
	if err := ValidateObjName(obj); err != nil {
		return "", "", err
	}
	return bck, obj, nil
}

// ParseBckParam reads a bucket named in a query parameter (bck_to) in any
// of the forms AIStore clients send: "dst", "ais://dst", or the bucket
// uname "ais/@#/dst/" (provider, global namespace, name). Only the ais
// provider and the global namespace exist here.
func ParseBckParam(s string) (string, error) {
	name := strings.TrimSuffix(s, "/")
	switch {
	case strings.HasPrefix(name, "ais://"):
		name = strings.TrimPrefix(name, "ais://")
	case strings.Contains(name, "/"):
		parts := strings.Split(name, "/")
		if parts[0] != "ais" {
			return "", fmt.Errorf("bucket %q: only provider \"ais\" is supported", s)
		}
		parts = parts[1:]
		if len(parts) == 2 && (parts[0] == "@#" || parts[0] == "@" || parts[0] == "") {
			parts = parts[1:]
		}
		if len(parts) != 1 {
			return "", fmt.Errorf("bucket %q: want <name>, ais://<name> or ais/@#/<name>", s)
		}
		name = parts[0]
	}
	if err := ValidateBucket(name); err != nil {
		return "", err
	}
	return name, nil
}
