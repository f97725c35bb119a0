package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// printETLLogs prints the answer of GET /v1/etl/NAME/logs (AIStore's shape:
// [{target_id, logs}]) as text, one section per target.
func printETLLogs(b []byte) error {
	var logs []struct {
		TargetID string `json:"target_id"`
		Logs     []byte `json:"logs"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(b, &logs); err != nil {
		return fmt.Errorf("etl logs: unexpected answer: %w", err)
	}
	for _, l := range logs {
		fmt.Printf("===== target %s =====\n", l.TargetID)
		if l.Error != "" {
			fmt.Printf("(%s)\n", l.Error)
			continue
		}
		if _, err := os.Stdout.Write(l.Logs); err != nil {
			return err
		}
	}
	return nil
}
