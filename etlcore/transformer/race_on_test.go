//go:build race

package transformer

// raceEnabled: the race detector slows streaming ~10x; tests use smaller objects.
const raceEnabled = true
