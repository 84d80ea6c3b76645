package main

// go-watch: the third and fourth articles' watch. One goroutine holds a blocking query on the prefix
// (KV.List with WaitIndex = the last X-Consul-Index, WaitTime = watchWaitMs) and swaps a map of the values; reads
// of keys under the prefix come from the map, others from KV.Get with a deadline. The index rules of Consul's
// blocking-query documentation: an index that goes backwards resets to 0 (a full, non-blocking re-list); an index
// below 1 is raised to 1; errors back off exponentially with full jitter (cap 10 s). Start returns after the first
// snapshot.

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

type watch struct {
	c       apiClient
	m       *meters
	o       clientOptions
	timeout time.Duration

	mu      sync.RWMutex
	values  map[string][]byte
	index   uint64
	changes int64
	errors  int64
	ready   chan struct{}
	once    sync.Once
	cancel  context.CancelFunc
	done    chan struct{}
}

func newWatch(o clientOptions, m *meters) (strategy, error) {
	c, err := newAPIClient(o, api.DefaultConfig(), m)
	if err != nil {
		return nil, err
	}
	return &watch{c: c, m: m, o: o, timeout: time.Duration(o.RequestTimeoutMs) * time.Millisecond,
		values: map[string][]byte{}, ready: make(chan struct{}), done: make(chan struct{})}, nil
}

func (s *watch) Start(ctx context.Context) error {
	loopCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.loop(loopCtx)
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *watch) loop(ctx context.Context) {
	defer close(s.done)
	wait := time.Duration(s.o.WatchWaitMs) * time.Millisecond
	failures := 0
	for ctx.Err() == nil {
		s.mu.RLock()
		index := s.index
		s.mu.RUnlock()
		blocking := index > 0
		// Consul adds up to wait/16 of jitter to a blocking query; the deadline leaves room for it.
		deadline := s.timeout
		if blocking {
			deadline = wait + wait/16 + 5*time.Second
		}
		reqCtx, cancel := context.WithTimeout(ctx, deadline)
		done := s.m.consulRequest(blocking)
		pairs, meta, err := s.c.c.KV().List(s.o.Prefix, (&api.QueryOptions{WaitIndex: index, WaitTime: wait}).WithContext(reqCtx))
		done()
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.mu.Lock()
			s.errors++
			s.index = 0 // re-list after an error
			s.mu.Unlock()
			failures++
			ceiling := min(10*time.Second, 100*time.Millisecond<<min(failures, 10))
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(ceiling)))):
			case <-ctx.Done():
			}
			continue
		}
		failures = 0
		next := meta.LastIndex
		if next < index {
			next = 0 // went backwards (a snapshot restore, a new cluster): start over
		} else if next < 1 {
			next = 1
		}
		values := make(map[string][]byte, len(pairs))
		for _, p := range pairs {
			if p.Value == nil {
				values[p.Key] = []byte{}
			} else {
				values[p.Key] = p.Value
			}
		}
		s.mu.Lock()
		if !blocking || meta.LastIndex != index {
			s.values = values
			s.changes++
		}
		s.index = next
		s.mu.Unlock()
		s.once.Do(func() { close(s.ready) })
	}
}

func (s *watch) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if strings.HasPrefix(key, s.o.Prefix) {
		s.mu.RLock()
		v, ok := s.values[key]
		s.mu.RUnlock()
		return v, ok, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return kvGet(ctx, s.c, s.m, key)
}

func (s *watch) Stats() map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return map[string]any{"changes": s.changes, "errors": s.errors, "index": s.index, "size": len(s.values)}
}

func (s *watch) Close() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	s.c.closeIdle()
}
