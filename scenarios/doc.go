// Package scenarios loads, validates and expands etlbench scenario files:
// YAML descriptions of a benchmark run (the cluster, the dataset, the
// transformers and the matrix of axes such as communication mode, direct
// put, object size, transformer and operation). Load and Validate are pure:
// they read the scenario (and any spec file it names) and start nothing.
// Every error names the file, the line and the field.
//
// Expand turns a scenario into the run matrix: the cartesian product of its
// axes, repeated, in an order shuffled with the scenario's seed.
package scenarios
