package proxy

import (
	"context"
	"testing"
	"time"
)

// runProxy runs p until the test ends and returns its URL.
func runProxy(t *testing.T, p *Proxy) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urlc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, func(u string) { urlc <- u }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case u := <-urlc:
		return u
	case err := <-done:
		t.Fatalf("proxy: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("proxy not serving within 30 s")
	}
	return ""
}
