package main

// What the strategies share: a github.com/hashicorp/consul/api client for the configured Consul (address, scheme,
// token, CA), with its transport's dials counted; a metered KV read; and the mapping of errors to the Node
// service's causes and statuses.

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/hashicorp/consul/api"
)

// apiClient is an api.Client with the transport it was made with (to close its idle connections).
type apiClient struct {
	c *api.Client
	t *http.Transport
}

func (a apiClient) closeIdle() { a.t.CloseIdleConnections() }

// newAPIClient configures `cfg` (from api.DefaultConfig or api.DefaultNonPooledConfig) for the service's Consul
// and counts the TCP connections its transport opens.
func newAPIClient(o clientOptions, cfg *api.Config, m *meters) (apiClient, error) {
	u, err := url.Parse(o.ConsulURL)
	if err != nil {
		return apiClient{}, err
	}
	cfg.Address = u.Host
	cfg.Scheme = u.Scheme
	cfg.Token = o.Token
	cfg.TokenFile = ""
	if o.CA != "" {
		cfg.TLSConfig.CAPem = []byte(o.CA)
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	m.countDials(cfg.Transport)
	c, err := api.NewClient(cfg)
	return apiClient{c: c, t: cfg.Transport}, err
}

// kvGet reads one key with the api package's KV.Get (JSON, base64 decoded), counted in flight while it runs.
func kvGet(ctx context.Context, a apiClient, m *meters, key string) ([]byte, bool, error) {
	done := m.consulRequest(false)
	defer done()
	pair, _, err := a.c.KV().Get(key, (&api.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, false, err
	}
	if pair == nil {
		return nil, false, nil
	}
	if pair.Value == nil {
		return []byte{}, true, nil
	}
	return pair.Value, true, nil
}

// causeOf maps an error to the Node service's cause and HTTP status (clients/support/client-errors.ts).
func causeOf(err error) (string, int) {
	var status api.StatusError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "clientTimeout", http.StatusGatewayTimeout
	case errors.As(err, &status) && status.Code == http.StatusTooManyRequests:
		return "consul429", http.StatusServiceUnavailable
	case errors.As(err, &status):
		return "consulHttp", http.StatusBadGateway
	case errors.Is(err, context.Canceled):
		return "other", http.StatusInternalServerError
	default:
		return "unreachable", http.StatusBadGateway
	}
}
