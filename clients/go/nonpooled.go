package main

// go-nonpooled: api.DefaultNonPooledConfig(), the articles' "default client": keep-alive off, so a new TCP
// connection (and a TLS handshake over https) per request; each read with a context deadline of requestTimeoutMs.

import (
	"context"
	"time"

	"github.com/hashicorp/consul/api"
)

type nonPooled struct {
	c       apiClient
	m       *meters
	timeout time.Duration
}

func newNonPooled(o clientOptions, m *meters) (strategy, error) {
	c, err := newAPIClient(o, api.DefaultNonPooledConfig(), m)
	if err != nil {
		return nil, err
	}
	return &nonPooled{c: c, m: m, timeout: time.Duration(o.RequestTimeoutMs) * time.Millisecond}, nil
}

func (s *nonPooled) Start(context.Context) error { return nil }
func (s *nonPooled) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return kvGet(ctx, s.c, s.m, key)
}
func (s *nonPooled) Stats() map[string]any { return map[string]any{} }
func (s *nonPooled) Close()                { s.c.closeIdle() }
