package jail

import (
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkCheck measures Check of an address and a principal from
// parallel goroutines, with some of the keys jailed: the per-request cost
// on the gateway and the authorization server.
func BenchmarkCheck(b *testing.B) {
	j := New(Config{}, 0, nil)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "ip:10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
		if i%16 == 0 {
			fail(j, DefaultMaxFailures, keys[i])
		}
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			j.Check(keys[i%len(keys)], "user:alice")
			i++
		}
	})
}

// BenchmarkFail measures recording a failure for two keys.
func BenchmarkFail(b *testing.B) {
	j := New(Config{}, 0, nil)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		j.Fail("ip:"+strconv.Itoa(i%4096), "user:alice")
	}
}
