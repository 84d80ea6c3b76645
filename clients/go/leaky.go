package main

// go-leaky: the second article's leak. api.DefaultConfig() and reads with no context deadline and no
// cancellation (context.Background(), not the request's context): when Consul stalls, each read's goroutine
// parks in the transport's read loop until the connection dies, and the goroutines pile up.

import (
	"context"

	"github.com/hashicorp/consul/api"
)

type leaky struct {
	c apiClient
	m *meters
}

func newLeaky(o clientOptions, m *meters) (strategy, error) {
	c, err := newAPIClient(o, api.DefaultConfig(), m)
	if err != nil {
		return nil, err
	}
	return &leaky{c: c, m: m}, nil
}

func (s *leaky) Start(context.Context) error { return nil }
func (s *leaky) Get(_ context.Context, key string) ([]byte, bool, error) {
	return kvGet(context.Background(), s.c, s.m, key)
}
func (s *leaky) Stats() map[string]any { return map[string]any{} }
func (s *leaky) Close()                { s.c.closeIdle() }
