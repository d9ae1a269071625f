package publisher

import (
	"fmt"
	"time"
)

// The replay margin's default and limit (Config.ReplayMargin).
const (
	// DefaultReplayMargin is the margin when Config.ReplayMargin is zero.
	DefaultReplayMargin = time.Minute
	// ReplayMarginLimit is the largest Config.ReplayMargin: replicas whose
	// clocks differ by more have a fault to fix, and every token's record
	// would otherwise be kept for no reason.
	ReplayMarginLimit = time.Hour
)

// replayMargin checks Config.ReplayMargin and applies its default. A
// negative margin would record tokens for less than they can be accepted.
func replayMargin(d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultReplayMargin, nil
	case d < 0:
		return 0, fmt.Errorf("publisher: Config.ReplayMargin %s is negative", d)
	case d > ReplayMarginLimit:
		return 0, fmt.Errorf("publisher: Config.ReplayMargin %s is above the limit, %s", d, ReplayMarginLimit)
	}
	return d, nil
}
