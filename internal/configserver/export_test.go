package configserver

// SetGateWaitHook calls f whenever a request starts waiting for the
// startup restore (nil: none).
func SetGateWaitHook(f func()) { onGateWait = f }
