package runtime

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/etlbench/etlbench/etlcore/api"
)

// EnvMountpaths is the environment variable (colon-joined) through which the
// process runtime tells a transformer its target's mountpaths.
const EnvMountpaths = "ETLBENCH_MOUNTPATHS"

// envDirectPutLower is AIStore's lowercase twin of DIRECT_PUT.
const envDirectPutLower = "direct_put"

// BuiltinImagePrefix is the image name prefix of the built-in transformers:
// "etlbench/transformer-<name>" runs `etlbench transformer <name>`.
const BuiltinImagePrefix = "etlbench/transformer-"

var builtinName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// BuiltinTransformer returns the built-in transformer an image names, e.g.
// "md5" for "etlbench/transformer-md5" or "etlbench/transformer-md5:dev",
// and false for any other image.
func BuiltinTransformer(image string) (string, bool) {
	name, ok := strings.CutPrefix(image, BuiltinImagePrefix)
	if !ok {
		name, ok = strings.CutPrefix(image, "docker.io/"+BuiltinImagePrefix)
	}
	if !ok {
		return "", false
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	if !builtinName.MatchString(name) {
		return "", false
	}
	return name, true
}

// inheritedDropped reports whether an inherited variable must not reach a
// transformer: the contract variables are set per transformer, never inherited.
func inheritedDropped(name string) bool {
	switch name {
	case api.EnvPort, api.EnvHost, api.EnvDirectPut, envDirectPutLower, EnvMountpaths:
		return true
	}
	return strings.HasPrefix(name, "AIS_")
}

// buildEnv returns a transformer's environment: the inherited one minus the
// contract variables, then the spec's env and runtime.env (overriding the
// inherited), then the contract variables, which nothing overrides.
func buildEnv(inherited []string, req StartRequest, host string, port int) []string {
	var (
		order []string
		vals  = make(map[string]string)
	)
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, kv := range inherited {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || inheritedDropped(k) {
			continue
		}
		set(k, v)
	}
	if req.Spec != nil {
		for _, e := range req.Spec.Env {
			set(e.Name, e.Value)
		}
		for _, e := range req.Spec.Runtime.Env {
			set(e.Name, e.Value)
		}
	}
	dp := strconv.FormatBool(req.DirectPut)
	set(api.EnvTargetURL, req.TargetURL)
	set(api.EnvDirectPut, dp)
	set(envDirectPutLower, dp)
	set(api.EnvPort, strconv.Itoa(port))
	set(api.EnvHost, host)
	set(EnvMountpaths, strings.Join(req.Mountpaths, ":"))
	env := make([]string, 0, len(order))
	for _, k := range order {
		env = append(env, k+"="+vals[k])
	}
	return env
}

// buildCommand returns what to exec: runtime.command with ${PORT} and
// ${HOST} substituted in every argument, else the built-in transformer the
// image names (or stands for: PublishedTransformer), else an error naming
// the image.
func buildCommand(req StartRequest, self, host string, port int) ([]string, error) {
	if req.Spec == nil {
		return nil, fmt.Errorf("process runtime: no spec")
	}
	rs := req.Spec.Runtime
	if len(rs.Command) > 0 {
		r := strings.NewReplacer("${PORT}", strconv.Itoa(port), "${HOST}", host)
		argv := make([]string, len(rs.Command))
		for i, a := range rs.Command {
			argv[i] = r.Replace(a)
		}
		if argv[0] == "" {
			return nil, fmt.Errorf("process runtime: runtime.command[0] is empty")
		}
		return argv, nil
	}
	name, ok := BuiltinTransformer(rs.Image)
	if !ok {
		name, ok = PublishedTransformer(rs.Image)
	}
	if ok {
		if self == "" {
			exe, err := os.Executable()
			if err != nil {
				return nil, fmt.Errorf("process runtime: find the etlbench binary for image %q: %w", rs.Image, err)
			}
			self = exe
		}
		return []string{self, "transformer", name}, nil
	}
	if rs.Image == "" {
		return nil, fmt.Errorf("process runtime: spec %q has neither runtime.image nor runtime.command", req.Spec.Name)
	}
	return nil, fmt.Errorf("process runtime: image %q cannot run in the process runtime; give runtime.command (built in are %s<name> and %s)",
		rs.Image, BuiltinImagePrefix, publishedList())
}
