package configserver

import (
	"context"

	"github.com/sieproject/sie/internal/catalog"
)

// initReplica loads a journal store's state and follows it in the
// background until shutdown, so this replica's reads and /export include
// every other replica's writes.
func (s *Server) initReplica(ctx context.Context, snap *catalog.Snapshot) error {
	if err := s.svc.LoadJournal(ctx, snap); err != nil {
		return err
	}
	if !s.cfg.Restore {
		s.log.Info("config store shared by replicas: the registry follows the store (SIE_CONFIG_RESTORE is implied)", "store", s.st.Describe())
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.svc.Follow(s.bgCtx)
	}()
	return nil
}
