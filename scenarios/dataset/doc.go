// Package dataset generates the objects a scenario reads: random bytes,
// English-like text, JPEG images and PCM16 WAV audio, each object
// deterministic from the dataset's seed and its index, generated as a
// stream (bounded memory), and populates a bucket with them.
package dataset
