package strict

import (
	"fmt"
	"strconv"
	"strings"
)

// Join is the path of key inside the object at path: Join("runtime",
// "image") is "runtime.image", and Join("", "name") is "name". A key that
// is not a plain name (letters, digits, '_' and '-') is quoted, so the path
// names it without doubt: Join("env", "a.b") is `env."a.b"`.
func Join(path, key string) string {
	if !plain(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index is the path of item i of the list at path: Index("env", 0) is "env[0]".
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// plain reports whether key is a non-empty run of letters, digits, '_' and '-'.
func plain(key string) bool {
	return key != "" && strings.IndexFunc(key, func(r rune) bool {
		return !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
}
