package singleflight

// Group deduplicates concurrent calls with the same key.
type Group struct{}

// Do runs fn once per key at a time and shares the result with concurrent callers.
func (g *Group) Do(key string, fn func() (any, error)) (v any, err error, shared bool) {
	// TODO: дедупликация не реализована.
	v, err = fn()
	return v, err, false
}

// Waiting returns how many Do calls for key are waiting for a result.
func (g *Group) Waiting(key string) int { return 0 }

// Forget makes the next Do for key start a new call.
func (g *Group) Forget(key string) {}
