// Package broadcast provides a change signal that wakes every waiter at
// once, so long-polls block on changes instead of polling.
package broadcast

import "sync"

// Signal is a broadcast: Wait returns a channel that the next Notify
// closes. The zero value is ready to use. Take the channel before reading
// the state it guards, so a change in between is never missed.
type Signal struct {
	mu sync.Mutex // a leaf lock
	ch chan struct{}
}

// Wait returns a channel closed at the next Notify.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes every current waiter. Without waiters it costs one lock.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
