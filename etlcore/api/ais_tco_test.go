package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTCOMsgToBck(t *testing.T) {
	for in, want := range map[string]string{
		`{"id":"e","tobck":"dst","template":"a-{0..1}"}`:                                                        "dst",
		`{"id":"e","tobck":{"name":"dst","provider":"ais","namespace":{"uuid":"","name":""}},"objnames":["a"]}`: "dst",
		`{"id":"e","tobck":{"name":"dst","provider":""}}`:                                                       "dst",
	} {
		var m TCOMsg
		if err := json.Unmarshal([]byte(in), &m); err != nil || m.ToBck != want || m.ETLName != "e" {
			t.Errorf("%s: %+v %v", in, m, err)
		}
	}
	for in, want := range map[string]string{
		`{"tobck":{"name":"dst","provider":"aws"}}`:                          `tobck: provider "aws"`,
		`{"tobck":{"name":"dst","provider":"ais","namespace":{"name":"x"}}}`: "tobck: namespace",
		`{"tobck":{"provider":"ais"}}`:                                       "tobck: missing name",
		`{"tobck":7}`:                                                        "tobck: want a bucket name",
	} {
		var m TCOMsg
		if err := json.Unmarshal([]byte(in), &m); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to say %q", in, err, want)
		}
	}
}
