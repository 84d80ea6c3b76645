package main

// The service's meters, the Go counterparts of harness/service/service-meters.ts and door-meter.ts: answers by
// status and cause, reads at the door, requests to Consul in flight (blocking queries apart), TCP connections to
// Consul (counted where the transport dials), goroutines, heap bytes allocated (runtime.MemStats.TotalAlloc, exact
// in Go), GCs, peak RSS, CPU time, and a timeline sampled every 250 ms.

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// causeNames are the keys of ERROR_CAUSES in clients/support/client-errors.ts.
var causeNames = []string{"consul429", "clientTimeout", "consulHttp", "unreachable", "notFound", "rateLimited", "cacheTooStale", "other"}

type sample struct {
	T                   int64          `json:"t"`
	InFlight            int64          `json:"inFlight"`
	Pending             int64          `json:"pending"`
	LongPolls           int64          `json:"longPolls"`
	Resources           map[string]int `json:"resources"`
	HeapUsedBytes       uint64         `json:"heapUsedBytes"`
	RssBytes            int64          `json:"rssBytes"`
	Elu                 float64        `json:"elu"`
	EventLoopDelayP99Ms float64        `json:"eventLoopDelayP99Ms"`
}

type meters struct {
	mu       sync.Mutex
	byStatus map[string]int
	causes   map[string]int
	counters struct{ gets, hits, misses, errors int64 }

	inFlight, inFlightPeak  atomic.Int64
	pending, pendingPeak    atomic.Int64
	longPolls               atomic.Int64
	opened, open, openPeak  atomic.Int64
	failed                  atomic.Int64
	peakRss                 atomic.Int64
	idle                    map[string]int
	timeline                []sample
	sampleCostUs            []float64
	windowStart             time.Time
	allocAtStart, gcAtStart uint64
	cpuAtStart              int64
	stopSampling            chan struct{}
	// profileGoroutines: samples count work goroutines by a profile (see sampledGoroutines).
	profileGoroutines bool
}

func newMeters(profileGoroutines bool) *meters {
	m := &meters{
		byStatus: map[string]int{}, causes: emptyCauses(), stopSampling: make(chan struct{}),
		profileGoroutines: profileGoroutines,
	}
	m.idle = map[string]int{"goroutines": workGoroutines()}
	m.resetProcess()
	return m
}

func emptyCauses() map[string]int {
	c := map[string]int{}
	for _, n := range causeNames {
		c[n] = 0
	}
	return c
}

func peakOf(peak *atomic.Int64, v int64) {
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

func (m *meters) doorEnter() { peakOf(&m.pendingPeak, m.pending.Add(1)) }
func (m *meters) doorLeave() { m.pending.Add(-1) }

// consulRequest counts one request to Consul in flight until the returned func is called; a blocking query
// (held open on purpose) counts apart as a long poll.
func (m *meters) consulRequest(blocking bool) func() {
	if blocking {
		m.longPolls.Add(1)
		return func() { m.longPolls.Add(-1) }
	}
	peakOf(&m.inFlightPeak, m.inFlight.Add(1))
	return func() { m.inFlight.Add(-1) }
}

func (m *meters) count(found bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counters.gets++
	switch {
	case err != nil:
		m.counters.errors++
	case found:
		m.counters.hits++
	default:
		m.counters.misses++
	}
}

func (m *meters) answer(status int, cause string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byStatus[strconv.Itoa(status)]++
	if cause != "" {
		m.causes[cause]++
	}
}

// countedConn is a TCP connection to Consul, counted open until closed.
type countedConn struct {
	net.Conn
	once sync.Once
	m    *meters
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.m.open.Add(-1) })
	return c.Conn.Close()
}

// countDials wraps the transport's dialer so every TCP connection to Consul is counted (TLS runs on top of it).
func (m *meters) countDials(t *http.Transport) {
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			m.failed.Add(1)
			return nil, err
		}
		m.opened.Add(1)
		peakOf(&m.openPeak, m.open.Add(1))
		return &countedConn{Conn: conn, m: m}, nil
	}
}

func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func cpuUs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Sec*1e6 + int64(ru.Utime.Usec) + ru.Stime.Sec*1e6 + int64(ru.Stime.Usec)
}

func (m *meters) resetProcess() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.allocAtStart, m.gcAtStart = ms.TotalAlloc, uint64(ms.NumGC)
	m.cpuAtStart = cpuUs()
	m.windowStart = time.Now()
	m.peakRss.Store(rssBytes())
}

func (m *meters) startSampler() {
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stopSampling:
				return
			case <-tick.C:
				m.sample()
			}
		}
	}()
}

func (m *meters) stopSampler() { close(m.stopSampling) }

func (m *meters) sample() {
	started := time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := rssBytes()
	peakOf(&m.peakRss, rss)
	s := sample{
		T:         time.Now().UnixMilli(),
		InFlight:  m.inFlight.Load(),
		Pending:   m.pending.Load(),
		LongPolls: m.longPolls.Load(),
		// Goroutines: the Go articles' leak signal (a goroutine parked per stalled request).
		Resources:     map[string]int{"goroutines": m.sampledGoroutines()},
		HeapUsedBytes: ms.HeapAlloc,
		RssBytes:      rss,
	}
	m.mu.Lock()
	m.timeline = append(m.timeline, s)
	m.sampleCostUs = append(m.sampleCostUs, float64(time.Since(started).Microseconds()))
	m.mu.Unlock()
}

// sampledGoroutines is a sample's goroutine count: the work goroutines (a profile, see workGoroutines) where the
// scenario keeps a timeline for the leak verdict, else runtime.NumGoroutine() (every goroutine, the transport's
// connection loops included), which costs next to nothing, as the Node service's samples then skip their socket
// read.
func (m *meters) sampledGoroutines() int {
	if m.profileGoroutines {
		return workGoroutines()
	}
	return runtime.NumGoroutine()
}

// takeStats returns the window since the previous call (the Node service's ServiceStats shape) and starts another.
func (m *meters) takeStats(extra map[string]any) map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.mu.Lock()
	defer m.mu.Unlock()
	meanUs, maxUs, heldUs := 0.0, 0.0, 0.0
	for _, c := range m.sampleCostUs {
		meanUs += c
		heldUs += c
		if c > maxUs {
			maxUs = c
		}
	}
	if n := len(m.sampleCostUs); n > 0 {
		meanUs /= float64(n)
	}
	client := map[string]any{
		"gets": m.counters.gets, "hits": m.counters.hits, "misses": m.counters.misses, "errors": m.counters.errors,
		"goroutines": runtime.NumGoroutine(), "workGoroutines": workGoroutines(),
	}
	for k, v := range extra {
		client[k] = v
	}
	stats := map[string]any{
		"byStatus": m.byStatus,
		"causes":   m.causes,
		"consulConnections": map[string]int64{
			"opened": m.opened.Load(), "peakOpen": m.openPeak.Load(), "open": m.open.Load(), "failed": m.failed.Load(),
		},
		"inFlightPeak":  m.inFlightPeak.Load(),
		"pendingPeak":   m.pendingPeak.Load(),
		"idleResources": m.idle,
		"timeline":      m.timeline,
		"samplerCost": map[string]any{
			"meanUs": meanUs, "maxUs": maxUs, "samples": len(m.sampleCostUs), "heldUs": heldUs,
		},
		"process": map[string]any{
			"heapAllocatedBytes":     ms.TotalAlloc - m.allocAtStart,
			"externalAllocatedBytes": 0,
			"gcCount":                uint64(ms.NumGC) - m.gcAtStart,
			"peakRssBytes":           m.peakRss.Load(),
			"elu":                    0,
			"cpuUs":                  cpuUs() - m.cpuAtStart,
			"wallMs":                 float64(time.Since(m.windowStart).Microseconds()) / 1000,
		},
		"client": client,
	}
	if stats["timeline"] == nil || len(m.timeline) == 0 {
		stats["timeline"] = []sample{}
	}
	m.byStatus, m.causes, m.timeline, m.sampleCostUs = map[string]int{}, emptyCauses(), nil, nil
	m.inFlightPeak.Store(m.inFlight.Load())
	m.pendingPeak.Store(m.pending.Load())
	m.opened.Store(0)
	m.failed.Store(0)
	m.openPeak.Store(m.open.Load())
	m.resetProcess()
	return stats
}

// connectionLoops are the functions of the goroutines net/http runs per open client connection (two per HTTP/1.1
// connection, one per HTTP/2 one). Idle, they are no more orphaned work than Node's unref'd idle keep-alive sockets
// (not counted there either); see idleStack for when one is busy.
var connectionLoops = []string{
	"net/http.(*persistConn).readLoop", "net/http.(*persistConn).writeLoop", "net/http.(*http2ClientConn).readLoop",
	"golang.org/x/net/http2.(*ClientConn).readLoop",
}

// harnessFrames mark goroutines of the service itself, never of the client: the goroutine counting (the sampler's
// tick, or the idle request's handler), the sampler's loop, and a server connection's background read.
var harnessFrames = []string{
	"main.workGoroutines", "main.(*meters).startSampler", "net/http.(*connReader).backgroundRead",
}

// idleStack says whether one goroutine record of a profile (its "#" frame lines) is not the client's work:
//   - the service's own goroutines (harnessFrames);
//   - a server connection between requests (net/http.(*conn).serve with no handler running): the load generator's
//     keep-alive connections, or the harness's own idle request, which Node does not count either;
//   - a client connection's loops, unless its readLoop waits in a select: net/http's readLoop parks there from
//     handing a response to its caller until the body is read to EOF or closed, so a body never closed keeps it
//     there for good (the connection is busy; Node counts the equivalent socket too). Idle, it waits in a read
//     (bufio Peek) for the next response; a request waiting for its answer is counted by its caller's goroutine.
//     (A readLoop between a response's arrival and its hand-over parks briefly too: the verdict reads the minimum
//     over a second.)
func idleStack(frames []string) bool {
	has := func(f string) bool {
		for _, line := range frames {
			if strings.Contains(line, f+"+") {
				return true
			}
		}
		return false
	}
	for _, f := range harnessFrames {
		if has(f) {
			return true
		}
	}
	if has("net/http.(*conn).serve") && !has("net/http.serverHandler.ServeHTTP") {
		return true
	}
	if has("net/http.(*persistConn).readLoop") {
		// the profile hides the runtime's frames at a stack's top (gopark, selectgo): a readLoop parked in a select
		// or a channel shows readLoop itself first; reading, it shows bufio / net / internal/poll above it
		return !strings.Contains(frames[0], "net/http.(*persistConn).readLoop+")
	}
	for _, f := range connectionLoops {
		if has(f) {
			return true
		}
	}
	return false
}

// workGoroutines counts the client's goroutines: every goroutine of a profile but those idleStack leaves out. The
// same rule at the idle baseline (taken while the harness's idle request is served) and in the quiesce (taken by
// the sampler), so neither side counts the harness.
func workGoroutines() int {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return runtime.NumGoroutine()
	}
	total, n := 0, 0
	var frames []string
	flush := func() {
		if n > 0 && !idleStack(frames) {
			total += n
		}
		n, frames = 0, frames[:0]
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if count, _, ok := strings.Cut(line, " @ "); ok && !strings.HasPrefix(line, "#") {
			flush()
			n, _ = strconv.Atoi(strings.TrimSpace(count))
			continue
		}
		if strings.HasPrefix(line, "#") {
			frames = append(frames, line)
		}
	}
	flush()
	return total
}
