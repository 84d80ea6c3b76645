// Command go-service is the Go twin of harness/service/config-service.ts: `GET /config/<key>` reads
// `<prefix><key>` through one strategy built on github.com/hashicorp/consul/api and answers with the value's bytes,
// or the status of the error's cause (404 missing, 504 the client's own timeout, 503 Consul's 429, 502 other Consul
// or transport errors, 500 anything else) with the cause in `x-bench-cause`.
//
// Started with the path of its configuration (JSON, the Node service's shape; deleted once read) as its one
// argument. When ready it writes `{"port","pid"}` to the configuration's readyFile; `GET /__bench/idle` takes the
// idle baseline (goroutines when ready and before any load, again after a warm-up, with the heap retained after a
// full GC), `GET /__bench/retained` the heap retained now, and `GET /__bench/stats` returns the figures of the
// window since the previous call, in the Node service's ServiceStats shape. SIGTERM or SIGINT stops it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// version is printed by -version: the harness caches builds by the hash of these sources.
var version = "dev"

type clientOptions struct {
	ConsulURL        string `json:"consulUrl"`
	Token            string `json:"token"`
	CA               string `json:"ca"`
	Prefix           string `json:"prefix"`
	RequestTimeoutMs int    `json:"requestTimeoutMs"`
	MaxConnections   int    `json:"maxConnections"`
	WatchWaitMs      int    `json:"watchWaitMs"`
}

type serviceConfig struct {
	Client        string        `json:"client"`
	ReadyFile     string        `json:"readyFile"`
	ClientOptions clientOptions `json:"clientOptions"`
	// SampleSockets: the scenario keeps a timeline for the leak verdict (the Node service then reads socket
	// states); only then does each sample take a goroutine profile, as Node's sampler pays for its extra read only
	// then.
	SampleSockets bool `json:"sampleSockets"`
}

// strategy is one way of reading Consul's KV, built on github.com/hashicorp/consul/api.
type strategy interface {
	// Start pre-warms (the watch's first snapshot); it returns when the strategy can serve.
	Start(ctx context.Context) error
	// Get reads one key: its bytes and true, or false when the key does not exist.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Stats are the strategy's own counters beyond gets, hits, misses and errors.
	Stats() map[string]any
	Close()
}

var strategies = map[string]func(clientOptions, *meters) (strategy, error){
	"go-nonpooled": newNonPooled,
	"go-default":   newDefault,
	"go-tuned":     newTuned,
	"go-watch":     newWatch,
	"go-leaky":     newLeaky,
}

func readConfig(file string) (serviceConfig, error) {
	var cfg serviceConfig
	data, err := os.ReadFile(file)
	if err != nil {
		return cfg, err
	}
	_ = os.RemoveAll(filepath.Dir(file))
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cfg, fmt.Errorf("%s is not JSON: %w", file, err)
	}
	if cfg.ClientOptions.RequestTimeoutMs <= 0 {
		cfg.ClientOptions.RequestTimeoutMs = 1000
	}
	if cfg.ClientOptions.MaxConnections <= 0 {
		cfg.ClientOptions.MaxConnections = 32
	}
	if cfg.ClientOptions.WatchWaitMs <= 0 {
		cfg.ClientOptions.WatchWaitMs = 60_000
	}
	return cfg, nil
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-version" {
		fmt.Println(version)
		return
	}
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "config service failed: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) < 2 {
		return errors.New("no configuration file in argv[1]")
	}
	cfg, err := readConfig(os.Args[1])
	if err != nil {
		return err
	}
	if cfg.ReadyFile == "" {
		return errors.New("the configuration has no readyFile")
	}
	build, ok := strategies[cfg.Client]
	if !ok {
		return fmt.Errorf("unknown Go client %s (a --client .go file registers strategies[%q] in an init())", cfg.Client, cfg.Client)
	}
	m := newMeters(cfg.SampleSockets)
	s, err := build(cfg.ClientOptions, m)
	if err != nil {
		return err
	}
	startCtx, cancelStart := context.WithTimeout(context.Background(), 30*time.Second)
	err = s.Start(startCtx)
	cancelStart()
	if err != nil {
		return fmt.Errorf("%s did not start: %w", cfg.Client, err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/__bench/idle", func(w http.ResponseWriter, r *http.Request) {
		spanMs, _ := strconv.Atoi(r.URL.Query().Get("spanMs"))
		idle := m.takeIdle(time.Duration(spanMs) * time.Millisecond)
		writeJSON(w, map[string]any{"resources": idle, "heapBytes": retainedHeap()})
	})
	mux.HandleFunc("/__bench/retained", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"heapBytes": retainedHeap()})
	})
	mux.HandleFunc("/__bench/stats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, m.takeStats(s.Stats()))
	})
	mux.HandleFunc("/config/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		rel := strings.TrimPrefix(r.URL.EscapedPath(), "/config/")
		parts := strings.Split(rel, "/")
		for i, p := range parts {
			u, err := url.PathUnescape(p)
			if err != nil {
				m.answer(http.StatusBadRequest, "")
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			parts[i] = u
		}
		key := cfg.ClientOptions.Prefix + strings.Join(parts, "/")
		m.doorEnter()
		value, found, err := s.Get(r.Context(), key)
		m.doorLeave()
		m.count(found, err)
		if err != nil {
			cause, status := causeOf(err)
			m.answer(status, cause)
			w.Header().Set("x-bench-cause", cause)
			w.WriteHeader(status)
			return
		}
		if !found {
			m.answer(http.StatusNotFound, "notFound")
			w.Header().Set("x-bench-cause", "notFound")
			w.WriteHeader(http.StatusNotFound)
			return
		}
		m.answer(http.StatusOK, "")
		w.Header().Set("content-type", "application/octet-stream")
		w.Header().Set("content-length", fmt.Sprint(len(value)))
		_, _ = w.Write(value)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := &http.Server{Handler: mux, IdleTimeout: 10 * time.Second, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = server.Serve(ln) }()
	m.startSampler()
	port := ln.Addr().(*net.TCPAddr).Port
	ready, _ := json.Marshal(map[string]int{"port": port, "pid": os.Getpid()})
	if err := os.WriteFile(cfg.ReadyFile, ready, 0o600); err != nil {
		return err
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	// Connections still held by a stalled read would keep Shutdown waiting: close everything at once.
	_ = server.Close()
	s.Close()
	m.stopSampler()
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
