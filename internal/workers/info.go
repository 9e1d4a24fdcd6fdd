package workers

import (
	"slices"
	"time"
)

// Info is an immutable snapshot of one worker as last reported (§7.3),
// with its health. A new Info is built only when something in it changes.
type Info struct {
	URL              string // discovery URL: the registry key
	Name             string // advertised name, else URL
	Bundle           string // advertised bundle, "" → "default"
	BundleConfigHash string
	MachineProfile   string
	PoolName         string
	GPUCount         int64 // 0 → 1
	LoadedModels     []string
	QueueDepth       int64
	MemoryUsedBytes  int64
	MemoryTotalBytes int64
	Health           Health
	// Connected is false once the connection is lost or the worker went
	// silent past the heartbeat timeout; a status message sets it again.
	Connected bool
	// ConfigEpoch is the frame's own config_epoch when HasConfigEpoch
	// (extensions E3; v0.3.1 workers do not send it).
	ConfigEpoch    int64
	HasConfigEpoch bool
	// Unsupported lists the models the worker holds but cannot serve.
	Unsupported []string
	// Source says how the gateway hears the worker: its status WebSocket
	// or its NATS heartbeats (extensions E6).
	Source Source
	// changedAt is when this report was built (unix nanos): of two
	// reports of one worker heard both ways, the newer one wins.
	changedAt int64
}

// Serves reports whether the worker does not list model as unsupported.
func (i *Info) Serves(model string) bool { return !slices.Contains(i.Unsupported, model) }

// Healthy reports whether the worker is in state Healthy.
func (i *Info) Healthy() bool { return i.Health == Healthy }

// MemoryUtilization is used/total, 0 when the total is not positive.
func (i *Info) MemoryUtilization() float64 {
	if i.MemoryTotalBytes <= 0 {
		return 0
	}
	return float64(i.MemoryUsedBytes) / float64(i.MemoryTotalBytes)
}

// HasLoaded reports whether the exact model name is in LoadedModels.
func (i *Info) HasLoaded(model string) bool { return slices.Contains(i.LoadedModels, model) }

// derived are the stored values of a status message (§7.3 defaults applied).
type derived struct {
	raw         *rawStatus
	url         string
	fallback    string // the name when the report has none
	queue       int64
	memUsed     int64
	memTotal    int64
	gpuCount    int64
	defaultName bool
}

func derive(w *Worker, raw *rawStatus) derived {
	d := derived{raw: raw, url: w.url, fallback: w.fallbackName(), gpuCount: raw.gpuCount, defaultName: len(raw.name) == 0}
	if d.gpuCount == 0 {
		d.gpuCount = 1
	}
	if raw.models > 0 {
		d.queue = raw.modelsQueue
	} else {
		d.queue = raw.topQueue
	}
	if raw.gpus > 0 {
		d.memUsed, d.memTotal = raw.gpusMemUsed, raw.gpusMemTotal
	} else {
		d.memUsed, d.memTotal = raw.topMemUsed, raw.topTotal
	}
	return d
}

// same reports whether info already shows d with health h, comparing
// without allocating.
func (d *derived) same(info *Info, h Health) bool {
	r := d.raw
	if info.Health != h || info.GPUCount != d.gpuCount || info.QueueDepth != d.queue ||
		info.MemoryUsedBytes != d.memUsed || info.MemoryTotalBytes != d.memTotal ||
		info.BundleConfigHash != string(r.hash) || info.MachineProfile != string(r.machineProfile) ||
		info.PoolName != string(r.poolName) || len(info.LoadedModels) != len(r.loaded) || !info.Connected ||
		info.HasConfigEpoch != r.hasConfigEpoch || info.ConfigEpoch != r.configEpoch || len(info.Unsupported) != len(r.unsupported) {
		return false
	}
	if d.defaultName {
		if info.Name != d.fallback {
			return false
		}
	} else if info.Name != string(r.name) {
		return false
	}
	if len(r.bundle) == 0 {
		if info.Bundle != "default" {
			return false
		}
	} else if info.Bundle != string(r.bundle) {
		return false
	}
	for i, m := range r.loaded {
		if info.LoadedModels[i] != string(m) {
			return false
		}
	}
	for i, m := range r.unsupported {
		if info.Unsupported[i] != string(m) {
			return false
		}
	}
	return true
}

// build materializes d as a new Info, from source, at now.
func (d *derived) build(h Health, source Source, now time.Time) *Info {
	r := d.raw
	info := &Info{
		URL: d.url, Name: string(r.name), Bundle: string(r.bundle), BundleConfigHash: string(r.hash),
		MachineProfile: string(r.machineProfile), PoolName: string(r.poolName), GPUCount: d.gpuCount,
		LoadedModels: make([]string, len(r.loaded)), QueueDepth: d.queue,
		MemoryUsedBytes: d.memUsed, MemoryTotalBytes: d.memTotal, Health: h, Connected: true,
		ConfigEpoch: r.configEpoch, HasConfigEpoch: r.hasConfigEpoch,
		Source: source, changedAt: now.UnixNano(),
	}
	if len(r.unsupported) > 0 {
		info.Unsupported = make([]string, len(r.unsupported))
		for i, m := range r.unsupported {
			info.Unsupported[i] = string(m)
		}
	}
	if info.Name == "" {
		info.Name = d.fallback
	}
	if info.Bundle == "" {
		info.Bundle = "default"
	}
	for i, m := range r.loaded {
		info.LoadedModels[i] = string(m)
	}
	return info
}

// disconnected returns a copy of info in state Unhealthy that no longer
// reports (its connection is lost or silent).
func disconnected(info *Info) *Info {
	c := *info
	c.Health, c.Connected = Unhealthy, false
	return &c
}

// since is now minus a unix-nano timestamp.
func since(now time.Time, nanos int64) time.Duration { return time.Duration(now.UnixNano() - nanos) }
