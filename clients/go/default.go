package main

// go-default: api.DefaultConfig(), the api package's pooled transport (cleanhttp.DefaultPooledTransport: keep-alive,
// at most GOMAXPROCS+1 idle connections per host and no cap on open ones, so bursts above that open and close
// connections); each read with a context deadline of requestTimeoutMs.

import (
	"context"
	"time"

	"github.com/hashicorp/consul/api"
)

type pooledGo struct {
	c       apiClient
	m       *meters
	timeout time.Duration
}

func newDefault(o clientOptions, m *meters) (strategy, error) {
	c, err := newAPIClient(o, api.DefaultConfig(), m)
	if err != nil {
		return nil, err
	}
	return &pooledGo{c: c, m: m, timeout: time.Duration(o.RequestTimeoutMs) * time.Millisecond}, nil
}

func (s *pooledGo) Start(context.Context) error { return nil }
func (s *pooledGo) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return kvGet(ctx, s.c, s.m, key)
}
func (s *pooledGo) Stats() map[string]any { return map[string]any{} }
func (s *pooledGo) Close()                { s.c.closeIdle() }
