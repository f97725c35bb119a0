// Package loadgen is etlbench's load generator: an aisloader-style loader
// for near-data ETL that records latency in HDR histograms.
//
// A run (Run) drives one operation mix against a cluster through the Go
// client in etlcore/api:
//
//   - closed loop: Config.Workers workers, each sending its next request when
//     the last one returns (aisloader's model);
//   - open loop (Config.Rate > 0): a constant-rate schedule of intended start
//     times; latency is measured from each request's intended start
//     (coordinated omission corrected, like wrk2) and, separately, from the
//     actual send (service time). Sends that would be later than
//     Config.MaxLag are not made and are counted as missed.
//
// Operations are PUT, GET, inline ETL GET, single-object transform-copy and
// offline bucket-to-bucket or multi-object jobs. A Recorder keeps one
// histogram per operation per stats interval (1 us .. 1 h, 3 significant
// digits), byte counts in and out, and errors by class; whole-run totals are
// the merge of the intervals. Results go to result.json (package
// reports/result) and to one HdrHistogram interval log (.hlog) per operation.
package loadgen
