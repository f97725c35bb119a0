// Package reports turns etlbench results (result.json files written by
// `etlbench load` and `etlbench run`) into views: a terminal table, a
// Markdown report with plots, benchstat-compatible text, comparisons of two
// result sets and a statistical CI gate. It never measures anything itself:
// it reads only result files.
//
// Results are grouped into cells (one point of the run matrix); the repeats
// of a cell are the samples for the statistics (medians, bootstrap
// confidence intervals, Mann-Whitney U tests). Within a cell every operation
// in the result's summary (get, etl-get, put ...) is a series of its own.
package reports
