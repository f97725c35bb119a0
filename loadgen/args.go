package loadgen

import "strings"

// NormalizeArgs rewrites aisloader's single-dash spelling of long flags
// (-duration=30s, -numworkers 8) to the GNU form (--duration=30s,
// --numworkers 8) that pflag parses. A single-dash argument is rewritten
// when its name (up to '=') is longer than one character and starts with
// a letter; one-letter flags, negative numbers, values of flags and
// everything after "--" are left alone. needsValue reports whether a known
// long flag takes a value (so that the next argument is its value).
func NormalizeArgs(args []string, needsValue func(name string) bool) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && isLetter(a[1]) {
			name, _, _ := strings.Cut(a[1:], "=")
			if len(name) > 1 {
				a = "-" + a
			}
		}
		out = append(out, a)
		if strings.HasPrefix(a, "--") && !strings.Contains(a, "=") && needsValue != nil && needsValue(a[2:]) && i+1 < len(args) {
			i++
			out = append(out, args[i]) // the value, verbatim (it may start with '-')
		}
	}
	return out
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
