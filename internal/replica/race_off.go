//go:build !race

package replica

// RaceEnabled reports whether this binary was built with -race.
const RaceEnabled = false
