package nsjail

import (
	"runtime"
	"sync"
)

// From its second call on, a process keeps one init stage started ahead
// of need, with its cgroup leaf: cloned into its namespaces, its Go
// runtime up, waiting for a spec (see startInit: nothing of a call is
// bound at clone time). The next Run takes it instead of cloning, which
// saves the namespace creation, the exec, the runtime start-up and the
// leaf's creation; when that Run is over, the following one is started in
// the background, in the time between calls. A process that runs one
// jail, such as the CLI, never starts one. ReleaseIdle ends it.

// idleInit is a started init stage waiting for its call.
type idleInit struct {
	p *initProc
	// leaf is its cgroup leaf, made with the default limits and given the
	// call's when taken: with cgroup v2 it was cloned into it, with v1 it
	// joins it from the spec.
	leaf    cgroupLeaf
	version int
	// release is closed when the call that took it is over; the thread
	// that started it, whose exit would kill it (Pdeathsig), is then
	// given back to the Go runtime.
	release chan struct{}
}

// idle is the pool of one.
var idle struct {
	sync.Mutex
	init     *idleInit
	starting bool
	calls    int
	taken    int // init stages taken by calls, for tests
	// starts counts startIdle calls that have not parked their init yet.
	starts sync.WaitGroup
}

// takeIdle counts a call and returns the ready init stage for plan's
// cgroup version, if any.
func takeIdle(plan cgroupPlan) *idleInit {
	idle.Lock()
	defer idle.Unlock()
	idle.calls++
	var taken *idleInit
	switch {
	case idle.init == nil:
	case idle.init.version == plan.version:
		taken, idle.init = idle.init, nil
		idle.taken++
	default: // started for the other cgroup version: make room
		go idle.init.discard()
		idle.init = nil
	}
	return taken
}

// refill starts the next init stage in the background once a call is
// over, from the process's second call on, unless one is ready or being
// started.
func refill(plan cgroupPlan) {
	idle.Lock()
	defer idle.Unlock()
	if idle.calls > 1 && idle.init == nil && !idle.starting {
		idle.starting = true
		idle.starts.Add(1)
		go startIdle(plan)
	}
}

// startIdle starts an init stage and parks it in the pool, holding its
// starting thread until the call that takes it is over.
func startIdle(plan cgroupPlan) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ii, err := newIdleInit(plan)
	idle.Lock()
	idle.starting = false
	keep := err == nil && idle.init == nil
	if keep {
		idle.init = ii
	}
	idle.Unlock()
	idle.starts.Done()
	if err != nil {
		return
	}
	if !keep {
		ii.discard()
	}
	<-ii.release
}

// newIdleInit makes the leaf with the default limits and clones the init
// stage (into the leaf, with cgroup v2).
func newIdleInit(plan cgroupPlan) (*idleInit, error) {
	leaf, err := plan.newLeaf(limitsOf(Config{}.withDefaults()))
	if err != nil {
		return nil, err
	}
	var cloneLeaf cgroupLeaf
	if plan.version == 2 {
		cloneLeaf = leaf
	}
	p, err := startInit(cloneLeaf)
	if err != nil {
		leaf.remove()
		return nil, err
	}
	return &idleInit{p: p, leaf: leaf, version: plan.version, release: make(chan struct{})}, nil
}

// discard kills an unused init stage and gives back what it holds.
func (ii *idleInit) discard() {
	ii.p.spec.Close()
	ii.p.reportR.Close()
	_ = ii.p.cmd.Process.Kill()
	_ = ii.p.cmd.Wait()
	ii.leaf.remove()
	close(ii.release)
}

// ReleaseIdle ends the init stage started ahead of the next call, if any,
// so the process holds no jail process, mount namespace or cgroup leaf
// between calls; the next call starts cold and the one after that starts
// a new one. Call it before exit or before counting resources.
func ReleaseIdle() {
	idle.starts.Wait()
	idle.Lock()
	ii := idle.init
	idle.init = nil
	idle.Unlock()
	if ii != nil {
		ii.discard()
	}
}
