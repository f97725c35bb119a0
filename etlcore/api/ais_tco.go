package api

import (
	"encoding/json"
	"fmt"
)

// UnmarshalJSON reads a multi-object job's value. Its destination "tobck"
// is either etlcore's bucket name or AIStore's bucket object {name,
// provider, namespace}; another provider than ais, or a namespace, is an
// error that names the field.
func (m *TCOMsg) UnmarshalJSON(b []byte) error {
	type plain TCOMsg // without this method
	var aux struct {
		plain
		ToBck json.RawMessage `json:"tobck"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*m = TCOMsg(aux.plain)
	name, err := ParseBckValue(aux.ToBck)
	if err != nil {
		return fmt.Errorf("tobck: %w", err)
	}
	m.ToBck = name
	return nil
}

// ParseBckValue reads a bucket given as a JSON string (its name) or as
// AIStore's bucket object; an empty value gives "".
func ParseBckValue(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return name, nil
	}
	var bck AisBck
	if err := json.Unmarshal(raw, &bck); err != nil {
		return "", fmt.Errorf("want a bucket name or {\"name\",\"provider\",\"namespace\"}: %w", err)
	}
	if bck.Provider != "" && bck.Provider != Provider {
		return "", fmt.Errorf("provider %q: etlcore has only %q buckets", bck.Provider, Provider)
	}
	if bck.Namespace != (AisNs{}) {
		return "", fmt.Errorf("namespace %+v: etlcore has only the global namespace", bck.Namespace)
	}
	if bck.Name == "" {
		return "", fmt.Errorf("missing name")
	}
	return bck.Name, nil
}
