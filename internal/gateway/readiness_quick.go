package gateway

// MaybeReady is a cheap necessary condition of StatusOf(m, fleet).Ready(minEpoch):
// the epoch is reached, the model has bundles, and every bundle has
// eligible workers that all report its expected hash. Waiters check it on
// every change and run the full rules only when it holds, so a fleet
// reporting one worker at a time costs a scan of hashes per report.
func (s *State) MaybeReady(m *Model, fleet Fleet, minEpoch uint64) bool {
	if s.epoch < minEpoch || len(m.Bundles) == 0 {
		return false
	}
	for _, b := range m.Bundles {
		expected := s.ExpectedHash(b)
		eligible := fleet.Eligible(b)
		if expected == "" || len(eligible) == 0 {
			return false
		}
		for _, e := range eligible {
			if e.Hash != expected {
				return false
			}
		}
	}
	return true
}
