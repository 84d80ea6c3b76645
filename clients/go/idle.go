package main

// The idle baseline the leak verdict compares against: work goroutines over a span, and the heap retained after
// full collections.

import (
	"runtime"
	"time"
)

// retainedHeap is the heap the process retains, bytes: HeapAlloc after two full collections (what a client keeps
// per failed read stays in it). Called idle and after the quiesce, never under load.
func retainedHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleSnapshotEvery is how often takeIdle looks over its span.
const idleSnapshotEvery = 100 * time.Millisecond

// takeIdle records the idle baseline: work goroutines when ready and before any load, and again after a warm-up;
// the most seen in snapshots every 100 ms over span (0: one snapshot), so a poller's goroutine that comes and goes
// is in it whenever it is taken (as the Node service's idleResourceCounts).
func (m *meters) takeIdle(span time.Duration) map[string]int {
	most := workGoroutines()
	for waited := time.Duration(0); waited < span; waited += idleSnapshotEvery {
		time.Sleep(idleSnapshotEvery)
		most = max(most, workGoroutines())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idle = map[string]int{"goroutines": most}
	return m.idle
}
