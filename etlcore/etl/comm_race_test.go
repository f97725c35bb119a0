//go:build race

package etl

// raceEnabled: the race detector slows streaming ~10x; large-object tests shrink.
const raceEnabled = true
