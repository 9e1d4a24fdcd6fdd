package gateway

// historyDepth is how many expected hashes a bundle remembers, so a worker
// reporting one of them can be told "behind" rather than "unknown config"
// (extensions E4).
const historyDepth = 64

// expectedPair is one expected hash of a bundle and an epoch it was expected
// at: the epoch it became expected for the current (newest) pair, the last
// epoch it was still expected for the older ones.
type expectedPair struct {
	epoch uint64
	hash  string
}

// history holds, per bundle, the last historyDepth expected hashes, oldest
// first, the newest being the current one. It is immutable: advance copies
// the rings that change and shares the others.
type history map[string][]expectedPair

// advance returns the history after the mirror moved from prev to next. A
// bundle whose expected hash changed closes its current pair at prev's epoch
// and opens one at next's. A rewind (the epoch went down: sie-config lost
// its store) starts the history afresh, since the old epochs mean nothing.
func (h history) advance(prev, next *State) history {
	rewind := next.epoch < prev.epoch
	var out history
	for _, b := range next.bundles.Ordered() {
		hash := next.ExpectedHash(b.Name)
		ring := h[b.Name]
		if !rewind && len(ring) > 0 && ring[len(ring)-1].hash == hash {
			continue
		}
		if out == nil {
			out = make(history, len(next.bundles.Ordered()))
			if !rewind {
				for k, v := range h {
					out[k] = v
				}
			}
		}
		var grown []expectedPair
		if !rewind && len(ring) > 0 {
			keep := ring[max(0, len(ring)-historyDepth+1):]
			grown = make([]expectedPair, len(keep), len(keep)+1)
			copy(grown, keep)
			grown[len(grown)-1].epoch = prev.epoch
		}
		out[b.Name] = append(grown, expectedPair{epoch: next.epoch, hash: hash})
	}
	if out == nil {
		if rewind {
			return history{}
		}
		return h
	}
	return out
}

// olderEpoch returns the last epoch at which hash was the bundle's expected
// hash before the current one; false when the bundle never expected it in
// the remembered history.
func (h history) olderEpoch(bundle, hash string) (uint64, bool) {
	ring := h[bundle]
	for i := len(ring) - 2; i >= 0; i-- {
		if ring[i].hash == hash {
			return ring[i].epoch, true
		}
	}
	return 0, false
}
