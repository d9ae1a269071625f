package publisher

// table is MemoryStore's index: from a 64-bit hash (of an issuer and lookup
// key, or of an id) to the rows that have it. It is an open-addressing
// table with linear probing, 8 bytes a slot: the hash's high 32 bits as a
// tag, and the row's index plus one (0 is an empty slot). A slot's place
// comes from the hash's low bits, so tags differ between rows homed at the
// same place. Rows of equal tags come back in the order they were
// inserted; the caller compares each row's real key, since hashes and tags
// only narrow the search.
//
// Neither the place nor the low bits are stored: growing and removing
// recompute a row's hash with the function they are given.
type table struct {
	slots []uint64
	n     int
}

// minSlots is the smallest table.
const minSlots = 8

// slotsFor is the table size for n rows: a power of two, at most 3/4 full.
func slotsFor(n int) int {
	size := minSlots
	for size/4*3 < n {
		size *= 2
	}
	return size
}

func slot(h uint64, row uint32) uint64 { return h>>32<<32 | uint64(row+1) }

// init sizes an empty table for n rows.
func (t *table) init(n int) { t.slots, t.n = make([]uint64, slotsFor(n)), 0 }

// insert adds row under hash h, growing the table when it would be more
// than 3/4 full.
func (t *table) insert(h uint64, row uint32, hash func(row uint32) uint64) {
	if len(t.slots) == 0 || (t.n+1) > len(t.slots)/4*3 {
		t.grow(hash)
	}
	t.place(slot(h, row), h)
	t.n++
}

// place puts slot s of hash h into the first empty slot from h's place.
func (t *table) place(s, h uint64) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// grow doubles the table (or creates it), rehashing every row. It starts
// after an empty slot, so that no run of slots wrapping around the end is
// split: rows of one hash keep their order.
func (t *table) grow(hash func(row uint32) uint64) {
	old := t.slots
	t.slots = make([]uint64, max(minSlots, 2*len(old)))
	start := 0
	for start < len(old) && old[start] != 0 {
		start++
	}
	for k := range old {
		if s := old[(start+k)%len(old)]; s != 0 {
			t.place(s, hash(uint32(s)-1))
		}
	}
}

// probe starts a walk over the rows whose hash has h's tag.
func (t *table) probe(h uint64) probe {
	if len(t.slots) == 0 {
		return probe{}
	}
	return probe{slots: t.slots, at: h & uint64(len(t.slots)-1), tag: h >> 32}
}

// probe walks the rows of one tag.
type probe struct {
	slots []uint64
	at    uint64
	tag   uint64
}

// next returns the next row whose slot has the tag; ok is false at the end.
func (p *probe) next() (row uint32, ok bool) {
	mask := uint64(len(p.slots) - 1)
	for len(p.slots) > 0 {
		s := p.slots[p.at]
		if s == 0 {
			return 0, false
		}
		p.at = (p.at + 1) & mask
		if s>>32 == p.tag {
			return uint32(s) - 1, true
		}
	}
	return 0, false
}

// remove deletes row under hash h. It shifts the rows that follow back, so
// no tombstone is left and every probe still ends at the first empty slot.
func (t *table) remove(h uint64, row uint32, hash func(row uint32) uint64) {
	mask := uint64(len(t.slots) - 1)
	want := slot(h, row)
	i := h & mask
	for t.slots[i] != want {
		if t.slots[i] == 0 {
			return // not there
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		// The row at j may move back to i unless its place lies cyclically
		// after i (in (i, j]): it would then come before its place.
		home := hash(uint32(t.slots[j])-1) & mask
		if (j-home)&mask >= (j-i)&mask {
			t.slots[i], i = t.slots[j], j
		}
	}
	t.slots[i] = 0
	t.n--
}
