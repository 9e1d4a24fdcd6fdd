package workers

// Health is a worker's state (§7.4). Unknown counts as unhealthy everywhere.
type Health uint8

const (
	Unknown Health = iota
	Healthy
	Unhealthy
)

func (h Health) String() string {
	switch h {
	case Healthy:
		return "healthy"
	case Unhealthy:
		return "unhealthy"
	}
	return "unknown"
}

// nextOnStatus is the transition for a status message. isNew is true for a
// worker that has never sent one.
func nextOnStatus(cur Health, isNew, ready bool) Health {
	switch {
	case ready:
		return Healthy
	case isNew:
		return Unknown
	case cur == Healthy:
		return Unhealthy // upstream ignored ready:false (D3k)
	}
	return cur
}
