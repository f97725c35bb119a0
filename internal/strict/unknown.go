package strict

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// UnknownField is the message for a key that is not among the known field
// names of its object, listed in the order given:
//
//	unknown field "objekts"; want one of objects, sizes (did you mean "objects"?)
//
// The suggestion is there only when Suggest finds a close name.
func UnknownField(key string, known []string) string {
	msg := fmt.Sprintf("unknown field %q; want one of %s", key, strings.Join(known, ", "))
	if s := Suggest(key, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// Suggest returns the known name nearest to key when it is close enough to
// be a slip of the keyboard, and "" otherwise. Case does not count; close
// is at most one edit (insert, delete or change a character) for keys of up
// to four characters and two for longer ones. Of equally near names the
// first in known wins.
func Suggest(key string, known []string) string {
	limit := 1
	if utf8.RuneCountInString(key) > 4 {
		limit = 2
	}
	best, bestD := "", limit+1
	k := strings.ToLower(key)
	for _, name := range known {
		if d := distance(k, strings.ToLower(name)); d < bestD {
			best, bestD = name, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
