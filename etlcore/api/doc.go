// Package api holds etlcore's wire contract: the REST paths, query
// parameters, headers and JSON messages that AIStore clients, the proxy,
// the targets and transformers exchange (node_msgs.go holds the ones
// between proxy and targets; ws.go the ws:// messages), the error body,
// and a small HTTP client for them. Servers (proxy, target, transformer
// SDK) and clients (the etlbench command, loadgen, tests) share these
// names so that the contract is spelled in one place; the proxy and the
// target depend on this package and never on each other, and this package
// depends on no other package of the module.
package api
