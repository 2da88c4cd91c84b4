package drophero

import (
	"context"
	"encoding/json"
)

// HandleInstall exposes the install handler to tests.
func (s *Service) HandleInstall(ctx context.Context) error {
	return s.handleInstall(ctx, json.RawMessage(`{}`))
}
