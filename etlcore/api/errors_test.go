package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestErrBodyClass: an error answer carries AIStore's fields (message,
// status, method, url_path) and the class; the client reads the class back;
// a status alone implies its class.
func TestErrBodyClass(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/objects/b/etl":
			WriteErrClass(w, r, http.StatusServiceUnavailable, ErrClassETL, "etl %q failed", "md5")
		case "/v1/objects/b/empty":
			WriteErrClass(w, r, http.StatusBadGateway, ErrClassETL, "")
		case "/v1/objects/b/plain":
			http.Error(w, "plain text", http.StatusInternalServerError)
		default:
			WriteErr(w, r, http.StatusNotFound, "object %s does not exist", r.URL.Path)
		}
	}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v1/objects/b/etl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	for k, want := range map[string]any{"message": `etl "md5" failed`, "status": float64(503), "method": "GET",
		"url_path": "/v1/objects/b/etl", "class": "etl"} {
		if raw[k] != want {
			t.Errorf("error body %s: %s = %v, want %v", b, k, raw[k], want)
		}
	}

	cl := NewClient(srv.URL)
	for _, c := range []struct {
		obj    string
		status int
		class  string
	}{
		{"etl", 503, ErrClassETL},
		{"empty", 502, ErrClassETL},
		{"missing", 404, ErrClassNotFound},
		{"plain", 500, ""},
	} {
		_, err := cl.GetObjectBytes(context.Background(), "b", c.obj, GetOpts{})
		if StatusOf(err) != c.status || ClassOf(err) != c.class {
			t.Errorf("%s: %v: status %d class %q, want %d %q", c.obj, err, StatusOf(err), ClassOf(err), c.status, c.class)
		}
	}

	for st, want := range map[int]string{400: ErrClassClient, 401: ErrClassClient, 404: ErrClassNotFound, 405: ErrClassClient,
		408: ErrClassTimeout, 409: ErrClassClient, 429: ErrClassUnavailable, 500: ErrClassServer, 502: ErrClassServer,
		503: ErrClassUnavailable, 504: ErrClassTimeout, 507: ErrClassUnavailable} {
		if got := ClassOfStatus(st); got != want {
			t.Errorf("ClassOfStatus(%d) = %q, want %q", st, got, want)
		}
	}
}
