// Command aisgows is an echo transformer whose ws side handles control messages
// the way a transformer built on AIStore's Go framework (ext/etl/webserver)
// does: every control message of a connection is decoded (gorilla's
// ReadJSON) into ONE reused struct, so a field a message leaves out keeps
// the previous message's value. The object is read from "fqn" when set,
// else from the next frame. With an empty "pipeline" the result goes back
// as a binary frame; otherwise it is PUT to the scheme and host of the
// pipeline's first URL + the path of AIS_TARGET_URL + that URL's path and
// query, and the answer is the text frame "direct put success".
//
// It also serves hpush (PUT /<bucket>/<object>, the object in the body or
// in etl_fqn): the result goes to the Ais-Node-Url destination, answered
// 204, or back with 200.
//
// Its one argument picks how it behaves, for tests:
//
//	ais    as described
//	lie    ws: every 7th object with a destination (counted over all
//	       connections) is answered "direct put success" without being put
//	       anywhere; hpush: the 1st, 8th, 15th.. object naming a
//	       destination and, counted apart, the 1st, 8th, 15th.. naming none
//	       are answered 204 without being put anywhere (so both kinds are
//	       always hit)
//	stale  an empty pipeline keeps the last non-empty one: each result
//	       whose destination is local goes to the previous object's
//	       destination instead (what a reused struct does when a target
//	       leaves the field out)
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"sync/atomic"

	"github.com/gorilla/websocket"
)

// ctrlMsg has the JSON names of AIStore's etl.WebsocketCtrlMsg.
type ctrlMsg struct {
	Pipeline string `json:"pipeline,omitempty"`
	Targs    string `json:"etl_args,omitempty"`
	FQN      string `json:"fqn,omitempty"`
	Path     string `json:"path,omitempty"`
}

// withDst counts the objects with a destination (mode lie).
var withDst atomic.Int64

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "ais" && os.Args[1] != "lie" && os.Args[1] != "stale") {
		fmt.Fprintln(os.Stderr, "usage: aisgows ais|lie|stale")
		os.Exit(2)
	}
	mode := os.Args[1]
	targetURL, err := url.Parse(os.Getenv("AIS_TARGET_URL"))
	if err != nil || targetURL.Host == "" {
		fmt.Fprintf(os.Stderr, "aisgows: AIS_TARGET_URL %q: %v\n", os.Getenv("AIS_TARGET_URL"), err)
		os.Exit(2)
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		var ctrl ctrlMsg // one for the whole connection
		lastPipeline := ""
		for {
			if err := conn.ReadJSON(&ctrl); err != nil {
				return
			}
			var data []byte
			if ctrl.FQN != "" {
				fqn, err := url.PathUnescape(ctrl.FQN)
				if err == nil {
					data, err = os.ReadFile(fqn)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "aisgows: read", ctrl.FQN, err)
					return
				}
			} else {
				_, r, err := conn.NextReader()
				if err == nil {
					data, err = io.ReadAll(r)
				}
				if err != nil {
					return
				}
			}
			pipeline := ctrl.Pipeline
			if mode == "stale" && pipeline == "" {
				pipeline = lastPipeline
			}
			lastPipeline = pipeline
			if pipeline == "" {
				if err := conn.WriteMessage(websocket.BinaryMessage, data); err != nil {
					return
				}
				continue
			}
			if mode != "lie" || withDst.Add(1)%7 != 0 {
				if err := directPut(targetURL, strings.Split(pipeline, ",")[0], data); err != nil {
					fmt.Fprintln(os.Stderr, "aisgows:", err)
					conn.WriteMessage(websocket.TextMessage, []byte(err.Error()))
					return
				}
			}
			if err := conn.WriteMessage(websocket.TextMessage, []byte("direct put success")); err != nil {
				return
			}
		}
	})
	// In lie mode hpush answers 204 without putting to the 1st, 8th, 15th..
	// request of each kind (naming a destination or not), counted apart, so
	// that every target that gets both kinds lies about both.
	var pushedDst, pushedLocal atomic.Int64
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			http.Error(w, "aisgows: want PUT /<bucket>/<object>", http.StatusMethodNotAllowed)
			return
		}
		var data []byte
		var err error
		if fqn := r.URL.Query().Get("etl_fqn"); fqn != "" {
			if fqn, err = url.PathUnescape(fqn); err == nil {
				data, err = os.ReadFile(fqn)
			}
		} else {
			data, err = io.ReadAll(r.Body)
		}
		if err != nil {
			http.Error(w, "aisgows: read object: "+err.Error(), http.StatusInternalServerError)
			return
		}
		dst := r.Header.Get("Ais-Node-Url")
		if mode == "lie" {
			n := &pushedLocal
			if dst != "" {
				n = &pushedDst
			}
			if n.Add(1)%7 == 1 {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if dst != "" {
			if err := directPut(targetURL, strings.Split(dst, ",")[0], data); err != nil {
				http.Error(w, "aisgows: "+err.Error(), http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write(data)
	})
	addr := net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT"))
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "aisgows:", err)
		os.Exit(1)
	}
}

// directPut PUTs data to the destination named by dst, through the path of
// the transformer's own AIS_TARGET_URL (which carries the ETL's secret).
func directPut(targetURL *url.URL, dst string, data []byte) error {
	d, err := url.Parse(dst)
	if err != nil {
		return fmt.Errorf("direct put: %q: %w", dst, err)
	}
	u := *targetURL
	u.Host = d.Host
	u.RawPath = ""
	u.Path = path.Join(targetURL.Path, d.Path)
	u.RawQuery = d.RawQuery
	req, err := http.NewRequest(http.MethodPut, u.String(), bytes.NewReader(data))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("direct put %s: %w", u.String(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("direct put %s: %d %s", u.String(), resp.StatusCode, b)
	}
	return nil
}
