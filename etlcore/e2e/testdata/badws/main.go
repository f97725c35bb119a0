// Command badws is a misbehaving ws transformer for the fault tests: it
// serves /health like a good one, but on /ws it breaks the contract in the
// way its first argument names:
//
//	text-garbage  answer every object with a text frame that is neither a
//	              number nor a JSON error ("~~ not a reply ~~")
//	bin-twice     answer every object with two binary frames (one too many)
//	swap          answer objects in pairs, the second one first
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"

	"github.com/coder/websocket"
)

type msg struct {
	typ  websocket.MessageType
	data []byte
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: badws text-garbage|bin-twice|swap")
		os.Exit(2)
	}
	mode := os.Args[1]
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.SetReadLimit(-1)
		defer c.CloseNow()
		ctx := context.Background()
		var pending [][]byte
		for {
			// control frame, then the object's bytes unless fqn names its file
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			var ctrl struct {
				FQN string `json:"fqn"`
			}
			if err := json.Unmarshal(b, &ctrl); err != nil {
				return
			}
			var data []byte
			if ctrl.FQN != "" {
				fqn, err := url.PathUnescape(ctrl.FQN)
				if err == nil {
					data, err = os.ReadFile(fqn)
				}
				if err != nil {
					return
				}
			} else if _, data, err = c.Read(ctx); err != nil {
				return
			}
			switch mode {
			case "text-garbage":
				err = c.Write(ctx, websocket.MessageText, []byte("~~ not a reply ~~"))
			case "bin-twice":
				if err = c.Write(ctx, websocket.MessageBinary, data); err == nil {
					err = c.Write(ctx, websocket.MessageBinary, []byte("extra"))
				}
			case "swap":
				pending = append(pending, data)
				if len(pending) == 2 {
					if err = c.Write(ctx, websocket.MessageBinary, pending[1]); err == nil {
						err = c.Write(ctx, websocket.MessageBinary, pending[0])
					}
					pending = pending[:0]
				}
			}
			if err != nil {
				return
			}
		}
	})
	addr := net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT"))
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "badws:", err)
		os.Exit(1)
	}
}
