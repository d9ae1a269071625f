package publisher

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTableAgainstModel drives the index with hashes chosen to collide (a
// few places, a few tags) through random inserts and removals, growing from
// empty, and compares every probe with a plain model: the rows of each
// hash's tag, in the order they were inserted.
func TestTableAgainstModel(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	// hashes[row] is the row's hash: 6 tags x 5 places, so runs wrap
	// around the table's end, share places and tags.
	var hashes []uint64
	hash := func(row uint32) uint64 { return hashes[row] }
	var tab table
	live := map[uint32]bool{}
	var order []uint32 // rows in insertion order
	check := func(step int) {
		t.Helper()
		if tab.n != len(live) {
			t.Fatalf("step %d: n = %d, want %d", step, tab.n, len(live))
		}
		byHash := map[uint64][]uint32{}
		for _, r := range order {
			if live[r] {
				byHash[hashes[r]] = append(byHash[hashes[r]], r)
			}
		}
		for h, want := range byHash {
			var got []uint32
			for p := tab.probe(h); ; {
				q, ok := p.next()
				if !ok {
					break
				}
				if !live[q] || hashes[q]>>32 != h>>32 {
					t.Fatalf("step %d: probe of %x returned row %d (live %v, hash %x)", step, h, q, live[q], hashes[q])
				}
				if hashes[q] == h {
					got = append(got, q)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("step %d, hash %x: rows (-want +got):\n%s", step, h, diff)
			}
		}
	}
	for step := range 1000 {
		if len(live) > 0 && rng.IntN(3) == 0 {
			var rs []uint32
			for r := range live {
				rs = append(rs, r)
			}
			slices.Sort(rs)
			r := rs[rng.IntN(len(rs))]
			tab.remove(hashes[r], r, hash)
			delete(live, r)
		} else {
			r := uint32(len(hashes))
			size := uint64(max(minSlots, len(tab.slots)))
			place := uint64(rng.IntN(5))*3 + size - 2 // near the end: runs wrap
			hashes = append(hashes, uint64(rng.IntN(6))<<32|place&0xffffffff)
			tab.insert(hashes[r], r, hash)
			live[r], order = true, append(order, r)
		}
		check(step)
	}
	// Removing a row that is not there changes nothing.
	n := tab.n
	tab.remove(7<<32, 1<<30, hash)
	if tab.n != n {
		t.Errorf("removing an absent row: n %d -> %d", n, tab.n)
	}
}

func TestSlotsFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, want int }{{0, 8}, {6, 8}, {7, 16}, {12, 16}, {13, 32}, {1_000_000, 1 << 21}} {
		if got := slotsFor(tc.n); got != tc.want {
			t.Errorf("slotsFor(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
