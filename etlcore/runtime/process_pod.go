package runtime

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/etl"
)

// publishedImages maps AIStore's published transformer images (the names
// of NVIDIA/ais-etl, which aisloader's -etl and AIStore's docs use) to the
// built-in transformers that do the same.
var publishedImages = map[string]string{
	"aistorage/transformer_echo":           "echo",
	"aistorage/transformer_echo_go":        "echo",
	"aistorage/transformer_md5":            "md5",
	"aistorage/transformer_hash_with_args": "hash-with-args",
	"aistorage/transformer_compress":       "compress",
}

// PublishedTransformer returns the built-in transformer that stands in for
// one of AIStore's published images in the process runtime, e.g. "md5" for
// "aistorage/transformer_md5:latest" (also with a docker.io/ prefix).
func PublishedTransformer(image string) (string, bool) {
	name := strings.TrimPrefix(image, "docker.io/")
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name = name[:i]
	}
	b, ok := publishedImages[name]
	return b, ok
}

// publishedList names the published images that map to built-ins.
func publishedList() string {
	names := slices.Sorted(maps.Keys(publishedImages))
	return strings.Join(names, ", ")
}

// podAsRuntime returns the runtime form of a pod-spec ETL for the process
// runtime: the container's image, its command and args as the command
// (every argument that is, or ends in =/: followed by, the container's
// port number gets ${PORT} there: the port this runtime assigns), its env.
// An image that is a built-in (or stands for one) runs the built-in, its
// command ignored; any other image needs a command.
func podAsRuntime(spec *etl.Spec) (*etl.Spec, error) {
	c, err := spec.PodContainer()
	if err != nil {
		return nil, fmt.Errorf("process runtime: %w", err)
	}
	s := spec.Clone()
	s.PodSpec = nil
	// The container's env, then what the target added (Runtime.Env of a
	// pod-spec ETL holds only that), which wins.
	s.Runtime = etl.RuntimeSpec{Image: c.Image}
	for _, e := range c.Env {
		s.Runtime.Env = append(s.Runtime.Env, etl.EnvVar{Name: e.Name, Value: e.Value})
	}
	s.Runtime.Env = append(s.Runtime.Env, spec.Runtime.Env...)
	if _, ok := BuiltinTransformer(c.Image); ok {
		return s, nil
	}
	if _, ok := PublishedTransformer(c.Image); ok {
		return s, nil
	}
	if len(c.Command) == 0 {
		return nil, fmt.Errorf("process runtime: image %q of the Pod spec is not a built-in transformer and spec.containers[0].command is empty: "+
			"nothing to run (give command; built in are %s<name> and %s)", c.Image, BuiltinImagePrefix, publishedList())
	}
	port := strconv.Itoa(int(c.Ports[0].ContainerPort))
	for _, a := range append(append([]string(nil), c.Command...), c.Args...) {
		s.Runtime.Command = append(s.Runtime.Command, withPortVar(a, port))
	}
	return s, nil
}

// withPortVar puts ${PORT} for the port number port in arg: arg itself,
// or its end after '=' or ':' ("--port=8000", "0.0.0.0:8000").
func withPortVar(arg, port string) string {
	if arg == port {
		return "${PORT}"
	}
	for _, sep := range []string{"=", ":"} {
		if pre, ok := strings.CutSuffix(arg, sep+port); ok {
			return pre + sep + "${PORT}"
		}
	}
	return arg
}
