package runtime

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// WriteProcessMetrics writes the calling process's CPU seconds
// (user+system, from getrusage: microseconds, where /proc has 10 ms
// ticks), resident memory and its peak as Prometheus lines labelled node
// and role. On a system without /proc it writes nothing.
func WriteProcessMetrics(w io.Writer, node, role string) {
	m, err := ReadProcStat(os.Getpid())
	if err != nil {
		return
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.CPUSeconds = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	fmt.Fprintf(w, "# HELP etlcore_process_cpu_seconds_total CPU time (user+system) of the node process.\n# TYPE etlcore_process_cpu_seconds_total counter\n")
	fmt.Fprintf(w, "etlcore_process_cpu_seconds_total{node=%q,role=%q} %g\n", node, role, m.CPUSeconds)
	fmt.Fprintf(w, "# HELP etlcore_process_resident_memory_bytes Resident memory of the node process.\n# TYPE etlcore_process_resident_memory_bytes gauge\n")
	fmt.Fprintf(w, "etlcore_process_resident_memory_bytes{node=%q,role=%q} %d\n", node, role, m.RSSBytes)
	fmt.Fprintf(w, "# HELP etlcore_process_peak_resident_memory_bytes Peak resident memory (VmHWM) of the node process.\n# TYPE etlcore_process_peak_resident_memory_bytes gauge\n")
	fmt.Fprintf(w, "etlcore_process_peak_resident_memory_bytes{node=%q,role=%q} %d\n", node, role, m.PeakRSS)
}

// WriteTransformerMetrics writes one transformer's resource use as
// Prometheus lines labelled target and etl; err (metrics not available)
// is written as a comment.
func WriteTransformerMetrics(w io.Writer, target, etl string, m Metrics, err error) {
	if err != nil {
		fmt.Fprintf(w, "# etlcore_transformer metrics of %s on %s not available: %v\n", etl, target, err)
		return
	}
	fmt.Fprintf(w, "etlcore_transformer_cpu_seconds_total{target=%q,etl=%q} %g\n", target, etl, m.CPUSeconds)
	fmt.Fprintf(w, "etlcore_transformer_resident_memory_bytes{target=%q,etl=%q} %d\n", target, etl, m.RSSBytes)
	fmt.Fprintf(w, "etlcore_transformer_peak_resident_memory_bytes{target=%q,etl=%q} %d\n", target, etl, m.PeakRSS)
}
