// Package telemetrytest reads metrics back in tests, from a registry's Gather or a scraped
// /metrics page alike.
package telemetrytest

import dto "github.com/prometheus/client_model/go"

// Sum adds up the series of f whose labels include want: a counter's or a gauge's value, a
// histogram's sample count. found reports whether any series matched.
func Sum(f *dto.MetricFamily, want map[string]string) (total float64, found bool) {
series:
	for _, m := range f.GetMetric() {
		labels := make(map[string]string, len(m.GetLabel()))
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue series
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Histogram != nil:
			total += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return total, found
}
