package ident

import (
	"strings"
	"testing"
)

func TestLowerUUID(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"936a5312-a3b8-4921-8b3f-2cec8baac574", "00000000-0000-0000-0000-000000000000"} {
		if !LowerUUID(s) {
			t.Errorf("LowerUUID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "936A5312-A3B8-4921-8B3F-2CEC8BAAC574", "936a5312a3b849218b3f2cec8baac574",
		"936a5312-a3b8-4921-8b3f-2cec8baac57", "936a5312-a3b8-4921-8b3f-2cec8baac5740", "{936a5312-a3b8-4921-8b3f-2cec8baac574}",
		"936a5312-a3b8-4921-8b3f_2cec8baac574", "g36a5312-a3b8-4921-8b3f-2cec8baac574", strings.Repeat("-", 36)} {
		if LowerUUID(s) {
			t.Errorf("LowerUUID(%q) = true", s)
		}
	}
}
