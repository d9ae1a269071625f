package publisher_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/publisher"
)

// TestREADMEConfigExamples: every publisher configuration the README shows
// (each json block: one publisher or a list) loads and validates.
func TestREADMEConfigExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(readme), "```json\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("%d json examples in the README, want the configuration file and the two reusable-workflow publishers", len(blocks))
	}
	for i, b := range blocks {
		block, _, _ := strings.Cut(b, "```")
		var pubs []publisher.Registered
		if strings.HasPrefix(strings.TrimSpace(block), "{") {
			pubs = make([]publisher.Registered, 1)
			err = json.Unmarshal([]byte(block), &pubs[0])
		} else {
			err = json.Unmarshal([]byte(block), &pubs)
		}
		if err != nil {
			t.Errorf("README json example %d does not load: %v\n%s", i+1, err, block)
			continue
		}
		if _, err := publisher.NewMemoryStore(pubs...); err != nil {
			t.Errorf("README json example %d: %v", i+1, err)
		}
	}
}
