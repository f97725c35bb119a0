package main

import (
	"fmt"
	"os"

	"github.com/etlbench/etlbench/etlcore/api"
	"github.com/etlbench/etlbench/etlcore/embedded"
	"github.com/spf13/pflag"
)

// defaultClusterDir is where `cluster up` records the embedded cluster.
const defaultClusterDir = ".etlbench/cluster"

// endpointFlags are the flags every client subcommand has to find the cluster.
type endpointFlags struct {
	proxy string
	dir   string
	token string
	// network describes the recorded cluster's emulated network, once
	// url resolved it (empty on loopback).
	network string
	// state is the recorded cluster url resolved (nil with --proxy or
	// $AIS_ENDPOINT).
	state *embedded.State
}

func (e *endpointFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&e.proxy, "proxy", "", "proxy URL (default: $AIS_ENDPOINT, else the cluster recorded in --cluster-dir)")
	fs.StringVar(&e.dir, "cluster-dir", defaultClusterDir, "directory where 'cluster up' recorded the embedded cluster")
	fs.StringVar(&e.token, "auth-token", os.Getenv("ETLBENCH_AUTH_TOKEN"), "bearer token for the control API (default: $ETLBENCH_AUTH_TOKEN)")
}

// url resolves the proxy URL: --proxy, else $AIS_ENDPOINT, else the recorded cluster.
func (e *endpointFlags) url() (string, error) {
	if e.proxy != "" {
		return e.proxy, nil
	}
	if v := os.Getenv(api.EnvEndpoint); v != "" {
		return v, nil
	}
	st, err := embedded.LoadState(e.dir)
	if err != nil {
		return "", fmt.Errorf("no cluster: pass --proxy URL, set %s, or run 'etlbench cluster up' (%w)", api.EnvEndpoint, err)
	}
	// An emulated cluster is reachable only from its client namespace:
	// this process starts again there (and returns here, inside).
	if err := embedded.EnterClientNetns(st); err != nil {
		return "", err
	}
	if st.Net != nil {
		e.network = st.Net.Spec.String()
	}
	e.state = st
	return st.AliveProxyURL(), nil
}

// client returns an API client of the resolved proxy.
func (e *endpointFlags) client() (*api.Client, error) {
	u, err := e.url()
	if err != nil {
		return nil, err
	}
	c := api.NewClient(u)
	c.Token = e.token
	return c, nil
}
