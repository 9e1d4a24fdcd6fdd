package faulttest

import (
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// scrape reads /metrics into samples: "name{k="v",…}" → value, with the
// labels as the exporter wrote them (sorted by name).
func scrape(base string) map[string]float64 {
	code, body, err := httpDo(base, "GET", "/metrics", nil)
	out := map[string]float64{}
	if err != nil || code != 200 {
		return out
	}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out
}

// sumMetric adds every sample of family name whose labels contain each of
// the given `k="v"` pairs.
func sumMetric(samples map[string]float64, name string, labels ...string) float64 {
	var sum float64
	for key, v := range samples {
		if key != name && !strings.HasPrefix(key, name+"{") {
			continue
		}
		ok := true
		for _, l := range labels {
			if !strings.Contains(key, l) {
				ok = false
				break
			}
		}
		if ok {
			sum += v
		}
	}
	return sum
}

// counterValue reads a counter the test holds directly.
func counterValue(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
