package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		ds := make([]time.Duration, len(xs))
		for i, x := range xs {
			ds[i] = time.Duration(x) * time.Millisecond
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"ok/empty", nil, 50, 0},
		{"ok/single", ms(7), 99, 7 * time.Millisecond},
		{"ok/p50-odd", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"ok/p50-even-lower-middle", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"ok/p99-of-100", ms(hundred...), 99, 99 * time.Millisecond},
		{"ok/p50-of-100", ms(hundred...), 50, 50 * time.Millisecond},
		{"ok/p100-is-max", ms(1, 2, 3), 100, 3 * time.Millisecond},
		{"ok/p99-small-sample-is-max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"ok/tiny-p-is-min", ms(4, 5, 6), 0.001, 4 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want float64
	}{
		{"ok/empty", nil, 0},
		{"ok/one", []float64{3}, 3},
		{"ok/odd-unsorted", []float64{9, 1, 5, 3, 7}, 5},
		{"ok/even-mean-of-middle", []float64{4, 1, 3, 2}, 2.5},
		{"ok/outlier-ignored", []float64{100, 101, 99, 5, 1e9}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.xs...)
			if got := median(tc.xs); got != tc.want {
				t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.xs[i] {
					t.Fatalf("median modified its input: %v, was %v", tc.xs, in)
				}
			}
		})
	}
}

func TestMedianDuration(t *testing.T) {
	got := medianDuration([]time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond})
	if want := 2500 * time.Microsecond; got != want {
		t.Errorf("medianDuration = %v, want %v", got, want)
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b float64
		want float64
	}{
		{"ok/basic", 90, 100, 0.9},
		{"ok/zero-denominator", 5, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ratio(tc.a, tc.b); got != tc.want {
				t.Errorf("ratio(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
