package broadcast

import (
	"testing"
	"time"
)

func TestSignalWakesEveryWaiterOnce(t *testing.T) {
	var s Signal
	a, b := s.Wait(), s.Wait()
	select {
	case <-a:
		t.Fatal("closed before Notify")
	default:
	}
	s.Notify()
	for _, ch := range []<-chan struct{}{a, b} {
		select {
		case <-ch:
		case <-time.After(time.Second):
			t.Fatal("a waiter was not woken")
		}
	}
	c := s.Wait()
	select {
	case <-c:
		t.Fatal("a new wait is already closed")
	default:
	}
	s.Notify()
	s.Notify() // no waiter: nothing to close twice
	<-c
}
