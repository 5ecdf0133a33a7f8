package ovslab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Process is a long-lived child process started by the harness: an
// ovsdb-server, an ovs-vswitchd, or a program started in a host's namespace
// with [Host.Start]. It is killed with SIGKILL by the kernel if the test
// binary dies, and stopped by Stop or by the Close of its owner.
type Process struct {
	cmd  *exec.Cmd
	name string
	done chan struct{} // closed when Wait has returned
	err  error         // Wait's result, valid once done is closed
	out  *syncBuffer   // output of a host program; nil for daemons
}

// Output returns what the process has written so far to its standard
// output and error. Daemons log to files in the instance directory
// instead, and return "".
func (p *Process) Output() string {
	if p.out == nil {
		return ""
	}
	return p.out.String()
}

// PID returns the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done returns a channel that is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait blocks until the process exits and returns how it ended (an
// *exec.ExitError for a non-zero exit or a signal).
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process unless it has already exited.
func (p *Process) Signal(sig os.Signal) error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("ovslab: signal %s (pid %d): %w", p.name, p.PID(), err)
	}
	return nil
}

// Stop sends SIGTERM, waits up to grace for the process to exit, then sends
// SIGKILL and waits for it. It returns nil once the process is gone,
// whatever its exit status: stopping is the point.
func (p *Process) Stop(grace time.Duration) error {
	if p.Exited() {
		return nil
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	kill := time.NewTimer(10 * time.Second)
	defer kill.Stop()
	select {
	case <-p.done:
		return nil
	case <-kill.C:
		return fmt.Errorf("ovslab: %s (pid %d) survived SIGKILL for 10s", p.name, p.PID())
	}
}

// spawnReq asks the spawner thread to start one command.
type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

// spawner is the goroutine, locked to its OS thread, that forks every
// tracked child. It runs while tracked children are alive and exits (its
// thread with it) once the last one has been reaped, so that a test binary
// whose instances are all closed has no harness goroutine left (goleak).
var spawner struct {
	mu   sync.Mutex
	ch   chan spawnReq // nil while no spawner runs
	live int           // children started or being started, not yet reaped
}

// acquireSpawner counts one more child and returns the channel of the
// running spawner, starting one if none runs.
func acquireSpawner() chan spawnReq {
	spawner.mu.Lock()
	defer spawner.mu.Unlock()
	if spawner.ch == nil {
		ch := make(chan spawnReq)
		spawner.ch = ch
		go func() {
			// Never unlocked: when this goroutine returns, its thread
			// exits, which is safe only because no child of it is alive.
			runtime.LockOSThread()
			for r := range ch {
				r.done <- r.cmd.Start()
			}
		}()
	}
	spawner.live++
	return spawner.ch
}

// releaseSpawner uncounts a child that was reaped or never started, and
// stops the spawner after the last one.
func releaseSpawner() {
	spawner.mu.Lock()
	defer spawner.mu.Unlock()
	spawner.live--
	if spawner.live == 0 {
		close(spawner.ch)
		spawner.ch = nil
	}
}

// startProcess starts cmd as a tracked child process whose parent-death
// signal is SIGKILL, so that a crashed or killed test binary leaves no OVS
// daemons or host programs behind.
//
// The parent-death signal fires when the thread that forked the child
// exits, not the process, and Go ends a thread when a goroutine locked to
// it exits (as [Host.Do] does after a failed switch back). So every
// tracked child is forked by one spawner goroutine locked to its thread,
// which lives until the last tracked child has been reaped.
func startProcess(name string, cmd *exec.Cmd) (*Process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	ch := acquireSpawner()
	done := make(chan error, 1)
	ch <- spawnReq{cmd: cmd, done: done}
	if err := <-done; err != nil {
		releaseSpawner()
		return nil, fmt.Errorf("ovslab: start %s: %w", name, err)
	}
	p := &Process{cmd: cmd, name: name, done: make(chan struct{})}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
		releaseSpawner()
	}()
	return p, nil
}
