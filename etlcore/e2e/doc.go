// Package e2e holds end-to-end tests of etlcore: each test starts a real
// cluster of processes on loopback and talks HTTP to it.
package e2e
