package configapi

// IdempotencyWaiters exposes the in-flight waiter count to the external
// tests, which use it to order concurrent duplicates without sleeping.
func (s *Server) IdempotencyWaiters(key string) int { return s.idem.Waiters(key) }
