package etl

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// eagerWS is a ws transformer that reads ahead: a reader goroutine takes
// objects off the connection as soon as they arrive, and a writer answers
// them after a delay, in order (or, with swap, in pairs, the second first).
// It records the most objects ever outstanding on one connection.
type eagerWS struct {
	swap     bool
	delay    time.Duration
	maxOut   atomic.Int64
	conns    atomic.Int64
	received atomic.Int64
}

// acceptWS answers a test transformer's health checks (any path but /ws)
// with 200 and upgrades /ws; nil when there is no connection to serve.
func acceptWS(w http.ResponseWriter, r *http.Request) *websocket.Conn {
	if r.URL.Path != "/ws" {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil
	}
	return c
}

// readObject reads one object's control frame and data frame, and returns
// the data.
func readObject(ctx context.Context, c *websocket.Conn) ([]byte, error) {
	if _, _, err := c.Read(ctx); err != nil {
		return nil, err
	}
	_, data, err := c.Read(ctx)
	return data, err
}

func (e *eagerWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := acceptWS(w, r)
	if c == nil {
		return
	}
	e.conns.Add(1)
	defer c.CloseNow()
	ctx := r.Context()
	var out atomic.Int64
	objs := make(chan []byte, 64)
	go func() {
		defer close(objs)
		for {
			data, err := readObject(ctx, c)
			if err != nil {
				return
			}
			e.received.Add(1)
			n := out.Add(1)
			for m := e.maxOut.Load(); n > m && !e.maxOut.CompareAndSwap(m, n); m = e.maxOut.Load() {
			}
			objs <- data
		}
	}()
	var pending [][]byte
	for data := range objs {
		time.Sleep(e.delay)
		pending = append(pending, data)
		if e.swap && len(pending) < 2 {
			continue
		}
		for i := len(pending) - 1; i >= 0; i-- {
			out.Add(-1)
			if c.Write(ctx, websocket.MessageBinary, pending[i]) != nil {
				return
			}
		}
		pending = pending[:0]
	}
}

// TestWSOneObjectPerConn: however many requests are concurrent, a ws
// connection carries one object at a time, the pool grows on demand up to
// WSMaxConns, and every reply reaches its own request.
func TestWSOneObjectPerConn(t *testing.T) {
	e := &eagerWS{delay: 5 * time.Millisecond}
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := newComm(t, "ws", srv.URL, CommOpts{WSConns: 2, WSMaxConns: 6, ObjTimeout: 20 * time.Second})
	if err := c.(Connector).Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The server counts a connection once its handler runs, which may be
	// just after Connect returns.
	for deadline := time.Now().Add(2 * time.Second); e.conns.Load() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := e.conns.Load(); got != 2 {
		t.Fatalf("Connect opened %d connections, want WSConns (2)", got)
	}
	const n = 120
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Appendf(nil, "object %03d", i)
			res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: fmt.Sprint(i), Body: bytes.NewReader(body), Size: int64(len(body))})
			if err != nil {
				errs <- fmt.Errorf("object %d: %w", i, err)
				return
			}
			if got := readResult(t, res); !bytes.Equal(got, body) {
				errs <- fmt.Errorf("object %d: got %q", i, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if m := e.maxOut.Load(); m != 1 {
		t.Errorf("up to %d objects were outstanding on one connection, want 1", m)
	}
	if got := e.conns.Load(); got != 6 {
		t.Errorf("%d connections under %d concurrent requests, want WSMaxConns (6)", got, n)
	}
}

// TestWSOutOfOrderTransformer: a transformer that would answer two objects
// in swapped order never gets a second object on a connection while the
// first is outstanding: every request fails at obj_timeout, classified as
// a timeout, and none receives another object's result.
func TestWSOutOfOrderTransformer(t *testing.T) {
	e := &eagerWS{swap: true}
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := newComm(t, "ws", srv.URL, CommOpts{WSConns: 1, WSMaxConns: 2, ObjTimeout: 500 * time.Millisecond})
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			body := fmt.Appendf(nil, "object %d", i)
			res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: fmt.Sprint(i), Body: bytes.NewReader(body), Size: int64(len(body))})
			if err == nil {
				errs <- fmt.Errorf("object %d answered %q, want a timeout", i, readResult(t, res))
				return
			}
			if ErrClass(err) != ClassTimeout {
				errs <- fmt.Errorf("object %d: %v, want a timeout", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Each request waits for a connection within its own obj_timeout.
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("%d requests took %v to fail", n, el)
	}
	if m := e.maxOut.Load(); m != 1 {
		t.Errorf("up to %d objects were outstanding on one connection, want 1", m)
	}
}

// breakingWS answers its connections' first object with half a reply and
// then drops the connection (a close frame in mid-message); on a new
// connection it echoes.
type breakingWS struct{ conns atomic.Int64 }

func (b *breakingWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := acceptWS(w, r)
	if c == nil {
		return
	}
	defer c.CloseNow()
	first := b.conns.Add(1) == 1
	ctx := r.Context()
	for {
		data, err := readObject(ctx, c)
		if err != nil {
			return
		}
		if !first {
			if c.Write(ctx, websocket.MessageBinary, data) != nil {
				return
			}
			continue
		}
		wr, err := c.Writer(ctx, websocket.MessageBinary)
		if err != nil {
			return
		}
		_, _ = wr.Write(data[:len(data)/2])
		_ = c.Close(websocket.StatusInternalError, "broke mid-reply")
		return
	}
}

// TestWSBrokenReplyClosesConnFirst: a reply broken mid-message fails its
// request with a connection error, and the connection is closed before the
// request gives back its place in the pool: the next request, sent right
// after, goes to a new connection and succeeds (it never meets the broken
// one).
func TestWSBrokenReplyClosesConnFirst(t *testing.T) {
	for i := range 20 {
		b := &breakingWS{}
		srv := httptest.NewServer(b)
		c := newComm(t, "ws", srv.URL, CommOpts{WSConns: 1, WSMaxConns: 1, ObjTimeout: 5 * time.Second})
		do := func(obj string) ([]byte, error) {
			body := []byte("object " + obj + " of round " + fmt.Sprint(i))
			res, err := c.Do(context.Background(), &ObjRequest{Bck: "b", ObjName: obj, Body: bytes.NewReader(body), Size: int64(len(body))})
			if err != nil {
				return nil, err
			}
			defer res.Body.Close()
			var out bytes.Buffer
			_, err = out.ReadFrom(res.Body)
			return out.Bytes(), err
		}
		if got, err := do("a"); err == nil || ErrClass(err) != ClassConnection {
			t.Fatalf("round %d: broken reply: %q, %v; want a connection error", i, got, err)
		}
		got, err := do("b")
		if want := "object b of round " + fmt.Sprint(i); err != nil || string(got) != want {
			t.Fatalf("round %d: the request after the broken reply: %q, %v; want %q", i, got, err, want)
		}
		if n := b.conns.Load(); n != 2 {
			t.Fatalf("round %d: %d connections, want 2", i, n)
		}
		srv.Close()
	}
}
