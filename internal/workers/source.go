package workers

import "sort"

// Source is how the gateway hears a worker (extensions E6).
type Source uint8

const (
	// SourceWS is a worker whose status WebSocket the gateway reads.
	SourceWS Source = iota
	// SourceNATS is a worker discovered by its heartbeats on sie.health.>.
	SourceNATS
)

func (s Source) String() string {
	if s == SourceNATS {
		return "nats"
	}
	return "ws"
}

// countOnce returns the reports of the known workers sorted by URL, a
// worker heard both over its WebSocket and on NATS (the same name) counted
// once: the healthier report, else the one connected, else the newer one.
// Reports of one source are never merged with each other — two static URLs
// stay two workers, as in v0.3.1 — except NATS subjects that carry the same
// name, which are one worker announcing itself under two ids.
func countOnce(entries []*Worker) []*Info {
	out := make([]*Info, 0, len(entries))
	var wsByName map[string]int // name → index in out of its first WebSocket report
	var natsInfos []*Info
	for _, w := range entries {
		info := w.info.Load()
		if info == nil {
			continue
		}
		if w.source == SourceNATS {
			natsInfos = append(natsInfos, info)
			continue
		}
		out = append(out, info)
	}
	if len(natsInfos) > 0 {
		wsByName = make(map[string]int, len(out))
		for i, info := range out {
			if _, dup := wsByName[info.Name]; !dup {
				wsByName[info.Name] = i
			}
		}
		for _, info := range natsInfos {
			if i, ok := wsByName[info.Name]; ok {
				if preferred(info, out[i]) {
					out[i] = info
				}
				continue
			}
			wsByName[info.Name] = len(out)
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out
}

// preferred reports whether report a of a worker beats report b of the
// same worker.
func preferred(a, b *Info) bool {
	if a.Healthy() != b.Healthy() {
		return a.Healthy()
	}
	if a.Connected != b.Connected {
		return a.Connected
	}
	return a.changedAt > b.changedAt
}
