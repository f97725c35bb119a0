// Package runner runs a scenario's matrix against a cluster: for each cell
// run it makes sure the cluster is up (bringing an embedded one up when
// none is running, and down at the end), populates the cell's dataset once
// (reused by every cell that reads the same data), inits the cell's ETL,
// runs the load (loadgen) with warm-up and duration, stops and deletes the
// ETL, and at the end writes the report of every cell (reports). Progress
// shows live: bars on a terminal, plain lines otherwise. Cancelling the
// context (Ctrl-C) drains the current cell, deletes its ETL, writes the
// report of what finished and brings down a cluster the run started.
package runner
