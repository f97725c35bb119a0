package aisnode_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/etlbench/etlbench/etlcore/api"
)

// transformCopyOnAisnode: a real AIStore cluster reads the
// client's transform-copy query as meant. Without an ETL the same query
// is AIStore's object copy, which copies the object to the destination
// its object_to names (ais/@#/DST/OBJ); the bare DST/OBJ is refused
// ("bucket name is missing") and copies nothing. The transform-copy itself reaches AIStore whole and is
// refused for the ETL only (this aisnode build has no ETL).
func transformCopyOnAisnode(ctx context.Context, t *testing.T, cl *api.Client) {
	for _, b := range []string{"cp-src", "cp-dst"} {
		if err := cl.CreateBucket(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	body := bytes.Repeat([]byte("copy me "), 500)
	if err := cl.PutObject(ctx, "cp-src", "d/one.bin", bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	put := func(q url.Values) error {
		resp, err := cl.Do(ctx, http.MethodPut, api.ObjPath("cp-src", "d/one.bin"), q, nil, nil)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := put(api.TransformCopyQuery("cp-dst", "out/one.bin", "", "")); err != nil {
		t.Fatalf("AIStore's copy with the client's query: %v", err)
	}
	got, err := cl.GetObjectBytes(ctx, "cp-dst", "out/one.bin", api.GetOpts{})
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("cp-dst/out/one.bin: %d bytes, %v; want the %d of the source", len(got), err, len(body))
	}
	err = put(url.Values{api.QparamObjectTo: {"cp-dst/bare.bin"}})
	if err == nil || !strings.Contains(err.Error(), "bucket name is missing") {
		t.Fatalf("object_to=cp-dst/bare.bin: %v; want AIStore's \"bucket name is missing\"", err)
	}
	if _, err := cl.HeadObject(ctx, "cp-dst", "bare.bin"); err == nil {
		t.Error("the bare object_to copied the object")
	}
	err = cl.TransformCopy(ctx, "cp-src", "d/one.bin", "cp-dst", "out/etl.bin", "no-such-etl", "x=1")
	checkETLRefused(t, "transform-copy", err)
}
