package controlplane

// writeLock serialises the writers, like a sync.Mutex, and also lets a
// queued writer stop waiting for it as soon as another writer's group
// commit has decided its write (lockOrDone). With a plain mutex every
// member of a group had to take the lock in turn just to see that it was
// done: one hand-off after another, while the next group waited.
type writeLock struct{ ch chan struct{} }

func newWriteLock() writeLock { return writeLock{ch: make(chan struct{}, 1)} }

// Lock blocks until the lock is held; waiters are served in arrival order.
func (l *writeLock) Lock() { l.ch <- struct{}{} }

// Unlock releases the lock.
func (l *writeLock) Unlock() { <-l.ch }

// lockOrDone blocks until either the lock is held (true) or done is closed
// (false, the lock not taken). When both are ready, done wins.
func (l *writeLock) lockOrDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return false
	default:
	}
	select {
	case <-done:
		return false
	case l.ch <- struct{}{}:
		return true
	}
}
