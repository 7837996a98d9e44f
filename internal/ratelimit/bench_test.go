package ratelimit

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkLocalAllow measures Allow from parallel goroutines over 1024
// keys, the gateway's hot path.
func BenchmarkLocalAllow(b *testing.B) {
	l := &Local{}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "orders|client:" + strconv.Itoa(i)
	}
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			if _, err := l.Allow(ctx, keys[i%len(keys)], perMinute100); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
