package scenarios

// Builtin describes one built-in transformer (`etlbench transformer NAME`).
type Builtin struct {
	Name string
	// Content is the input it needs ("" = any content).
	Content string
	// DefaultContent is the realistic input to generate when the scenario
	// does not say.
	DefaultContent string
}

// Builtins are the transformers every etlbench binary carries.
var Builtins = []Builtin{
	{Name: "echo"},
	{Name: "md5"},
	{Name: "hash-with-args"},
	{Name: "compress", DefaultContent: ContentText},
	{Name: "image-resize", Content: ContentJPEG, DefaultContent: ContentJPEG},
	{Name: "audio", Content: ContentWAV, DefaultContent: ContentWAV},
	{Name: "fault"},
}

// LookupBuiltin returns the built-in called name.
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range Builtins {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}

func builtinNames() []string {
	out := make([]string, len(Builtins))
	for i, b := range Builtins {
		out[i] = b.Name
	}
	return out
}

// ImagePrefix + a built-in's name is the image that runs it.
const ImagePrefix = "etlbench/transformer-"
