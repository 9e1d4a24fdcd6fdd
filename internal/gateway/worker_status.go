package gateway

import "github.com/sieproject/sie/internal/workers"

// WorkerStatusOf is one worker measured against the bundle it advertises:
// acked, or the detail saying why not, as in a model's status view. It
// depends on the bundle only, so it holds for every model of the bundle.
func (s *State) WorkerStatusOf(info *workers.Info) WorkerStatus {
	return s.workerStatus(info.Bundle, s.ExpectedHash(info.Bundle), info)
}
