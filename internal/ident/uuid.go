package ident

// LowerUUID reports whether s is a UUID in the 8-4-4-4-12 form of
// lower-case hexadecimal digits, as Semaphore writes its ids. Lower case
// only: the ids are compared exactly, so an upper-case one could only fail
// to match.
func LowerUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
