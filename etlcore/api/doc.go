// Package api holds etlcore's wire contract: the REST paths, query
// parameters, headers and JSON messages that AIStore clients and
// transformers use, and a small HTTP client for them. Servers (proxy,
// target, transformer SDK) and clients (the etlbench command, loadgen,
// tests) share these names so that the contract is spelled in one place.
package api
