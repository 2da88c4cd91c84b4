//go:build !race

package middleware

// raceEnabled: the race detector adds allocations, so allocation counts are
// not compared.
const raceEnabled = false
