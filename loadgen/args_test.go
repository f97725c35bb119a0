package loadgen

import (
	"reflect"
	"testing"
)

func TestNormalizeArgs(t *testing.T) {
	valued := map[string]bool{"duration": true, "numworkers": true, "etl-args": true, "seed": true}
	needs := func(n string) bool { return valued[n] }
	cases := []struct{ in, want []string }{
		{[]string{"-duration=30s", "-numworkers", "8"}, []string{"--duration=30s", "--numworkers", "8"}},
		{[]string{"--duration", "30s", "-cleanup"}, []string{"--duration", "30s", "--cleanup"}},
		{[]string{"-h"}, []string{"-h"}},
		{[]string{"--seed", "-5", "-json"}, []string{"--seed", "-5", "--json"}},
		{[]string{"-etl-args", "-weird", "-pctput=10"}, []string{"--etl-args", "-weird", "--pctput=10"}},
		{[]string{"--", "-duration=1s"}, []string{"--", "-duration=1s"}},
		{[]string{"-5s"}, []string{"-5s"}},
	}
	for _, c := range cases {
		if got := NormalizeArgs(c.in, needs); !reflect.DeepEqual(got, c.want) {
			t.Errorf("NormalizeArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
