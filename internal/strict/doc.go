// Package strict holds what the repository's strict decoders share: the
// ETL spec's JSON token walk (etlcore/etl) and the scenario files' YAML
// node walk (scenarios). Both name a field by its path (Join, Index) and
// reject a key that is not a known field with one message (UnknownField),
// which suggests the nearest known name. Reading the input, type checks
// and positions (JSON token kinds; YAML lines) stay with each decoder.
package strict
