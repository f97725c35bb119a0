package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProcessConfig configures the process runtime.
type ProcessConfig struct {
	// SelfBinary is the etlbench binary: image "etlbench/transformer-<name>"
	// runs `SelfBinary transformer <name>`. Empty means os.Executable().
	SelfBinary string
	// LogLimit is how many bytes of output are kept in memory per instance
	// (DefaultLogLimit when <= 0); all output also goes to WorkDir/<etl>.log.
	LogLimit int
	// Port, when set, is the port every transformer listens on, as in a
	// pod (the emulated network gives each target a namespace of its
	// own); each transformer then gets one of Hosts to itself. Zero: each
	// transformer gets a free port of its own on 127.0.0.1.
	Port int
	// Hosts are the addresses transformers listen on when Port is set.
	Hosts []string
}

// Process is the process runtime: each transformer is a child process of
// the target, on a free loopback port, in its own process group.
type Process struct {
	cfg ProcessConfig
}

// interface guards
var (
	_ Runtime  = (*Process)(nil)
	_ Instance = (*procInstance)(nil)
)

// loopbackHost is the address every process-runtime transformer binds.
const loopbackHost = "127.0.0.1"

// stopGrace is how long Stop waits after SIGTERM before SIGKILL.
const stopGrace = 3 * time.Second

// NewProcess returns the process runtime.
func NewProcess(cfg ProcessConfig) *Process {
	if cfg.LogLimit <= 0 {
		cfg.LogLimit = DefaultLogLimit
	}
	return &Process{cfg: cfg}
}

// Name returns "process".
func (*Process) Name() string { return "process" }

// Start starts the transformer of req as a child process and returns once
// it is running (not necessarily healthy).
func (p *Process) Start(ctx context.Context, req StartRequest) (Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("process runtime: start: %w", err)
	}
	if req.Spec == nil {
		return nil, errors.New("process runtime: start: no spec")
	}
	if req.Spec.IsPodSpec() {
		s, err := podAsRuntime(req.Spec)
		if err != nil {
			return nil, err
		}
		req.Spec = s
	}
	host, port, err := p.address()
	if err != nil {
		return nil, err
	}
	argv, err := buildCommand(req, p.cfg.SelfBinary, host, port)
	if err != nil {
		return nil, err
	}

	inst := &procInstance{
		name: req.Spec.Name,
		url:  "http://" + net.JoinHostPort(host, strconv.Itoa(port)),
		ring: NewLogBuf(p.cfg.LogLimit),
		done: make(chan struct{}),
	}
	var sink io.Writer = inst.ring
	if req.WorkDir != "" {
		if err := os.MkdirAll(req.WorkDir, 0o755); err != nil {
			return nil, fmt.Errorf("process runtime: work dir: %w", err)
		}
		inst.logPath = filepath.Join(req.WorkDir, req.Spec.Name+".log")
		f, err := os.OpenFile(inst.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("process runtime: log file: %w", err)
		}
		inst.logFile = f
		sink = io.MultiWriter(f, inst.ring)
	}

	// One pipe for stdout and stderr: the child gets the write end as a
	// file, so Wait does not wait for the output of grandchildren.
	pr, pw, err := os.Pipe()
	if err != nil {
		inst.closeLog()
		return nil, fmt.Errorf("process runtime: pipe: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = buildEnv(os.Environ(), req, host, port)
	cmd.Stdin = nil // /dev/null
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		inst.closeLog()
		return nil, fmt.Errorf("process runtime: start transformer %s (%q): %w", req.Spec.Name, argv[0], err)
	}
	pw.Close()
	inst.cmd = cmd
	inst.pid = cmd.Process.Pid
	fmt.Fprintf(inst.logFileOrDiscard(), "[etlbench] started %q pid %d on %s\n", argv, inst.pid, inst.url)

	inst.copied = make(chan struct{})
	go func() {
		defer close(inst.copied)
		_, _ = io.Copy(sink, pr)
		pr.Close()
	}()
	go inst.wait()
	return inst, nil
}

// address returns where the next transformer listens: with a fixed Port,
// the first of Hosts on which that port is free; otherwise a free port on
// loopback.
func (p *Process) address() (string, int, error) {
	if p.cfg.Port == 0 {
		port, err := freePort()
		return loopbackHost, port, err
	}
	hosts := p.cfg.Hosts
	if len(hosts) == 0 {
		hosts = []string{loopbackHost}
	}
	for _, h := range hosts {
		l, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(p.cfg.Port)))
		if err == nil {
			l.Close()
			return h, p.cfg.Port, nil
		}
	}
	return "", 0, fmt.Errorf("process runtime: port %d is taken on all %d transformer addresses (%s): too many transformers on this target",
		p.cfg.Port, len(hosts), strings.Join(hosts, ", "))
}

// freePort returns a port that was free on the loopback address a moment
// ago. It is picked at random below the kernel's ephemeral range, which
// outgoing connections and port-0 listeners draw from: between our check
// and the transformer's own listen, a busy machine would otherwise hand
// the same port to someone else (bind: address already in use).
func freePort() (int, error) {
	lo, hi := transformerPorts()
	for range 64 {
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", net.JoinHostPort(loopbackHost, strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort(loopbackHost, "0"))
	if err != nil {
		return 0, fmt.Errorf("process runtime: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// transformerPorts is the range freePort draws from: the 8,192 ports below
// the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range; 32768 when
// it cannot be read), never below 1024.
func transformerPorts() (lo, hi int) {
	hi = 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 1024+1024 {
				hi = n
			}
		}
	}
	return max(1024, hi-8192), hi
}

// procInstance is one transformer process.
type procInstance struct {
	name    string
	url     string
	pid     int
	cmd     *exec.Cmd
	ring    *LogBuf
	logPath string
	logFile *os.File
	copied  chan struct{} // closed when all output has been copied

	done     chan struct{}
	mu       sync.Mutex
	err      error // why it ended (nil after a requested stop)
	stopping bool

	stopOnce sync.Once
	stopErr  error
}

// URL returns http://<host>:<port> of the transformer.
func (pi *procInstance) URL() string { return pi.url }

// PID returns the transformer's process id (also its process group id).
func (pi *procInstance) PID() int { return pi.pid }

// Done is closed when the process has exited.
func (pi *procInstance) Done() <-chan struct{} { return pi.done }

// Err says why the process ended; nil while running or after Stop.
func (pi *procInstance) Err() error {
	pi.mu.Lock()
	defer pi.mu.Unlock()
	return pi.err
}

// Logs writes the last LogLimit bytes of the transformer's output.
func (pi *procInstance) Logs(w io.Writer) error {
	_, err := pi.ring.WriteTo(w)
	if err != nil {
		return fmt.Errorf("transformer %s logs: %w", pi.name, err)
	}
	return nil
}

// Metrics returns the CPU and memory of the transformer's process group.
func (pi *procInstance) Metrics(ctx context.Context) (Metrics, error) {
	select {
	case <-pi.done:
		return Metrics{}, fmt.Errorf("transformer %s (pid %d) is not running", pi.name, pi.pid)
	default:
	}
	m, err := readGroupStat(pi.pid)
	if err != nil {
		return m, fmt.Errorf("transformer %s metrics: %w", pi.name, err)
	}
	return m, nil
}

// wait reaps the process, records why it ended, and kills what is left of
// its group.
func (pi *procInstance) wait() {
	werr := pi.cmd.Wait()
	// Leftovers of the group (children of a wrapper script) go with it.
	_ = syscall.Kill(-pi.pid, syscall.SIGKILL)
	pi.mu.Lock()
	stopping := pi.stopping
	pi.mu.Unlock()
	if !stopping {
		err := pi.exitErr(werr)
		pi.mu.Lock()
		if !pi.stopping { // a Stop that raced with the exit still wins
			pi.err = err
		}
		pi.mu.Unlock()
	}
	close(pi.done)
	go func() { // let the output drain, then close the log file
		select {
		case <-pi.copied:
		case <-time.After(5 * time.Second):
		}
		pi.closeLog()
	}()
}

// exitErr turns how the process ended into the reason reported by Err.
func (pi *procInstance) exitErr(werr error) error {
	var msg string
	var ee *exec.ExitError
	switch {
	case errors.As(werr, &ee):
		ws, ok := ee.Sys().(syscall.WaitStatus)
		switch {
		case ok && ws.Signaled():
			sig := ws.Signal()
			msg = fmt.Sprintf("transformer killed by signal %d (%v)", int(sig), sig)
		case ok:
			msg = fmt.Sprintf("transformer exited: exit status %d", ws.ExitStatus())
		default:
			msg = "transformer exited: " + ee.Error()
		}
	case werr != nil:
		msg = "transformer wait: " + werr.Error()
	default:
		msg = "transformer exited: exit status 0"
	}
	// Give the last output line a moment to arrive: it usually says why.
	select {
	case <-pi.copied:
	case <-time.After(200 * time.Millisecond):
	}
	if tail := pi.ring.Tail(300); tail != "" {
		msg += fmt.Sprintf(" (last output: %q)", tail)
	}
	return errors.New(msg)
}

// Stop sends SIGTERM to the process group, waits up to 3 s (or until ctx
// ends), then sends SIGKILL and reaps. It is idempotent.
func (pi *procInstance) Stop(ctx context.Context) error {
	pi.stopOnce.Do(func() { pi.stopErr = pi.stop(ctx) })
	return pi.stopErr
}

func (pi *procInstance) stop(ctx context.Context) error {
	pi.mu.Lock()
	select {
	case <-pi.done: // already ended on its own: keep its Err
		pi.mu.Unlock()
		return nil
	default:
	}
	pi.stopping = true
	pi.mu.Unlock()

	_ = syscall.Kill(-pi.pid, syscall.SIGTERM)
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-pi.done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	_ = syscall.Kill(-pi.pid, syscall.SIGKILL)
	select {
	case <-pi.done:
		return nil
	case <-time.After(10 * time.Second): // SIGKILL cannot be ignored: only a stuck kernel gets here
		return fmt.Errorf("transformer %s (pid %d) did not exit after SIGKILL", pi.name, pi.pid)
	}
}

func (pi *procInstance) logFileOrDiscard() io.Writer {
	if pi.logFile != nil {
		return pi.logFile
	}
	return io.Discard
}

func (pi *procInstance) closeLog() {
	pi.mu.Lock()
	defer pi.mu.Unlock()
	if pi.logFile != nil {
		pi.logFile.Close()
		pi.logFile = nil
	}
}

// PIDInstance is implemented by the process runtime's instances: PID is the
// transformer's process id, which is also its process group id.
type PIDInstance interface {
	Instance
	PID() int
}

var _ PIDInstance = (*procInstance)(nil)
