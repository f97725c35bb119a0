package api

import (
	"fmt"

	"github.com/tinylib/msgp/msgp"
)

// AIStore's list-objects entry flag: the object is in the cluster (every
// object of an ais:// bucket is).
const EntryIsCached = 1 << 6

// EncodeMsg writes r as msgpack in the layout of AIStore's cmn.LsoRes
// (the encoding its Go client decodes when it asks for
// application/msgpack): a map keyed by the Go field names, each entry a
// map with AIStore's short keys, empty fields left out.
func (r *ListResult) EncodeMsg(w *msgp.Writer) error {
	if err := w.WriteMapHeader(4); err != nil {
		return err
	}
	_ = w.WriteString("UUID")
	_ = w.WriteString(r.UUID)
	_ = w.WriteString("ContinuationToken")
	_ = w.WriteString(r.ContinuationToken)
	_ = w.WriteString("Entries")
	if err := w.WriteArrayHeader(uint32(len(r.Entries))); err != nil {
		return err
	}
	for i := range r.Entries {
		if err := r.Entries[i].encodeMsg(w); err != nil {
			return err
		}
	}
	_ = w.WriteString("Flags")
	return w.WriteUint32(r.Flags)
}

func (e *ListEntry) encodeMsg(w *msgp.Writer) error {
	n := uint32(1)
	if e.Checksum != "" {
		n++
	}
	if e.Size != 0 {
		n++
	}
	if e.Flags != 0 {
		n++
	}
	if err := w.WriteMapHeader(n); err != nil {
		return err
	}
	_ = w.WriteString("n")
	if err := w.WriteString(e.Name); err != nil {
		return err
	}
	if e.Checksum != "" {
		_ = w.WriteString("cs")
		_ = w.WriteString(e.Checksum)
	}
	if e.Size != 0 {
		_ = w.WriteString("s")
		_ = w.WriteInt64(e.Size)
	}
	if e.Flags != 0 {
		_ = w.WriteString("f")
		return w.WriteUint16(e.Flags)
	}
	return nil
}

// DecodeMsg reads r from msgpack in AIStore's cmn.LsoRes layout; keys it
// does not know are skipped.
func (r *ListResult) DecodeMsg(rd *msgp.Reader) error {
	*r = ListResult{}
	return decodeMsgMap(rd, func(key string) (err error) {
		switch key {
		case "UUID":
			r.UUID, err = rd.ReadString()
		case "ContinuationToken":
			r.ContinuationToken, err = rd.ReadString()
		case "Flags":
			r.Flags, err = rd.ReadUint32()
		case "Entries":
			var m uint32
			if m, err = rd.ReadArrayHeader(); err != nil {
				return err
			}
			r.Entries = make([]ListEntry, m)
			for i := range r.Entries {
				if err = r.Entries[i].decodeMsg(rd); err != nil {
					return err
				}
			}
		default:
			err = rd.Skip()
		}
		return err
	})
}

func (e *ListEntry) decodeMsg(rd *msgp.Reader) error {
	return decodeMsgMap(rd, func(key string) (err error) {
		switch key {
		case "n":
			e.Name, err = rd.ReadString()
		case "cs":
			e.Checksum, err = rd.ReadString()
		case "s":
			e.Size, err = rd.ReadInt64()
		case "f":
			e.Flags, err = rd.ReadUint16()
		default:
			err = rd.Skip()
		}
		return err
	})
}

// decodeMsgMap reads a msgpack map header, then each key, and lets field
// read (or skip) that key's value.
func decodeMsgMap(rd *msgp.Reader, field func(key string) error) error {
	n, err := rd.ReadMapHeader()
	if err != nil {
		return err
	}
	for range n {
		key, err := rd.ReadString()
		if err != nil {
			return err
		}
		if err := field(key); err != nil {
			return fmt.Errorf("msgpack field %q: %w", key, err)
		}
	}
	return nil
}
