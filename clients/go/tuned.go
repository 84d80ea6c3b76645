package main

// go-tuned: api.DefaultConfig() with its transport tuned as the first article advises (keep connections and reuse
// them): MaxIdleConnsPerHost and MaxConnsPerHost both maxConnections (default 32, the Node `pooled` row's bound),
// so every connection it opens stays for reuse and bursts queue instead of opening more; IdleConnTimeout 90 s.
// The article names no exact values; these make the Go and Node pooled rows alike. Reads have a context deadline of
// requestTimeoutMs.

import (
	"time"

	"github.com/hashicorp/consul/api"
)

func newTuned(o clientOptions, m *meters) (strategy, error) {
	cfg := api.DefaultConfig()
	cfg.Transport.MaxIdleConns = o.MaxConnections
	cfg.Transport.MaxIdleConnsPerHost = o.MaxConnections
	cfg.Transport.MaxConnsPerHost = o.MaxConnections
	cfg.Transport.IdleConnTimeout = 90 * time.Second
	c, err := newAPIClient(o, cfg, m)
	if err != nil {
		return nil, err
	}
	return &pooledGo{c: c, m: m, timeout: time.Duration(o.RequestTimeoutMs) * time.Millisecond}, nil
}
