package dataset

import (
	"fmt"
	"math/rand/v2"
)

// Spec describes a whole dataset: Objects objects of Kind, sized from the
// fixed list Sizes (taken in turn) or uniformly in [MinSize, MaxSize],
// generated from Seed.
type Spec struct {
	Kind             string
	Objects          int
	Sizes            []int64
	MinSize, MaxSize int64
	Seed             int64
}

// Validate checks that every object of the spec can be generated.
func (s Spec) Validate() error {
	switch {
	case s.Objects < 1:
		return fmt.Errorf("dataset: %d objects: want at least 1", s.Objects)
	case len(s.Sizes) == 0 && (s.MinSize < 1 || s.MaxSize < s.MinSize):
		return fmt.Errorf("dataset: want sizes, or 1 <= min size (%d) <= max size (%d)", s.MinSize, s.MaxSize)
	}
	small := s.MinSize
	for i, z := range s.Sizes {
		if i == 0 || z < small {
			small = z
		}
	}
	if small < MinSize(s.Kind) {
		return fmt.Errorf("dataset: %s objects need at least %d bytes, the spec has %d", s.Kind, MinSize(s.Kind), small)
	}
	for _, k := range Kinds() {
		if k == s.Kind {
			return nil
		}
	}
	return fmt.Errorf("dataset: unknown content kind %q; want random, text, jpeg or wav", s.Kind)
}

// Size is the asked size of object i (see ActualSize for the exact length).
func (s Spec) Size(i int) int64 {
	if len(s.Sizes) > 0 {
		return s.Sizes[i%len(s.Sizes)]
	}
	if s.MaxSize <= s.MinSize {
		return s.MinSize
	}
	r := rand.New(rand.NewPCG(objSeed(s.Seed, i), 0x73697a65))
	return s.MinSize + r.Int64N(s.MaxSize-s.MinSize+1)
}

// ActualSize is the exact length of object i.
func (s Spec) ActualSize(i int) int64 { return ActualSize(s.Kind, s.Size(i)) }

// Name is the name of object i, e.g. obj-0000042.jpg.
func (s Spec) Name(i int) string { return fmt.Sprintf("obj-%07d%s", i, Ext(s.Kind)) }

// Open returns the content of object i.
func (s Spec) Open(i int) (Reader, error) { return Generate(s.Kind, s.Seed, i, s.Size(i)) }

// TotalSize is the sum of the exact object lengths.
func (s Spec) TotalSize() int64 {
	var t int64
	for i := 0; i < s.Objects; i++ {
		t += s.ActualSize(i)
	}
	return t
}
