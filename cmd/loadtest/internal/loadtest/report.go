package loadtest

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Machine describes where a run happened, for the report header.
type Machine struct {
	CPUModel  string
	Cores     int
	MemoryGiB float64
	GoVersion string
	LoadAvg   string // /proc/loadavg's 1, 5 and 15 minute averages
}

// ThisMachine reads the current machine's description.
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAvg: LoadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPUModel = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				m.MemoryGiB = kb / (1 << 20)
			}
		}
	}
	return m
}

// LoadAvg is the 1, 5 and 15 minute load averages, or "unknown".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// Report writes the run's header, the table and the budget checks; markdown selects a
// Markdown table instead of aligned text, routes adds the upstream requests per query by route.
func Report(w io.Writer, m Machine, loadAfter string, cfg Config, rows []Row, markdown, routes bool) error {
	rate := "maximum throughput (" + strconv.Itoa(cfg.Workers) + " requests in flight)"
	if cfg.Rate > 0 {
		rate = strconv.Itoa(cfg.Rate) + " requests/s"
	}
	target := "gateway in a child process per row, simulators and load generator in this process"
	if cfg.Target != "" {
		target = "existing gateway " + cfg.Target
	}
	fmt.Fprintf(w, "machine: %d cores (%s), %.1f GiB, %s; load average before %s, after %s\n",
		m.Cores, orUnknown(m.CPUModel), m.MemoryGiB, m.GoVersion, m.LoadAvg, loadAfter)
	fmt.Fprintf(w, "run: %s; %s per row after a %s warm-up; simulated upstream latency %s; %s\n\n",
		rate, cfg.Duration, cfg.Warmup, cfg.Latency, target)

	head := []string{"scenario", "mode", "req/s", "p50 ms", "p90 ms", "p99 ms", "errors", "upstream/query (sales+netsuite+ct)",
		"cache hits", "CPU cores", "CPU ms/req", "peak RSS MiB", "peak heap MiB"}
	var lines [][]string
	for _, r := range rows {
		lines = append(lines, []string{r.Scenario.Name, string(r.Mode), fmt.Sprintf("%.1f", r.OKPerSec),
			ms(r.P50), ms(r.P90), ms(r.P99), fmt.Sprintf("%.2f%%", 100*r.ErrorRate()), upstreamCell(r),
			percentOrDash(r.HitRatio), floatOrDash(r.CPUCores, 2), cpuPerReq(r), mib(r.PeakRSS, r.CPUCores), mib(r.PeakHeap, r.CPUCores)})
	}
	if markdown {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head)))
		for _, l := range lines {
			fmt.Fprintf(w, "| %s |\n", strings.Join(l, " | "))
		}
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, l := range lines {
			fmt.Fprintln(tw, strings.Join(l, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if r.FirstErr != "" {
			fmt.Fprintf(w, "\n%s %s: first error: %s", r.Scenario.Name, r.Mode, r.FirstErr)
		}
	}
	fmt.Fprintln(w)
	if routes {
		fmt.Fprintln(w, "\nupstream requests per query by route:")
		for _, r := range rows {
			names := slices.Sorted(maps.Keys(r.Routes))
			for _, route := range names {
				fmt.Fprintf(w, "- %s %s: %s %.3f\n", r.Scenario.Name, r.Mode, route, r.Routes[route])
			}
		}
	}
	budget(w, cfg, rows)
	return nil
}

// budget prints the checks of issue 9's budget that this run's rows can answer.
func budget(w io.Writer, cfg Config, rows []Row) {
	var out []string
	find := func(scenario string, mode Mode) (Row, bool) {
		for _, r := range rows {
			if r.Scenario.Name == scenario && r.Mode == mode {
				return r, true
			}
		}
		return Row{}, false
	}
	for _, r := range rows {
		if r.Mode != ModeCold || r.Upstream == nil {
			continue
		}
		var want float64
		for _, v := range r.Scenario.Batches {
			want += v
		}
		out = append(out, fmt.Sprintf("%s cold: %.2f upstream requests per query, expected %.2f distinct batches (%s): %s",
			r.Scenario.Name, r.UpstreamTotal(), want, batchesText(r.Scenario.Batches), verdict(math.Abs(r.UpstreamTotal()-want) < 0.05)))
		if n, ok := find(r.Scenario.Name, ModeNaive); ok && n.Upstream != nil {
			out = append(out, fmt.Sprintf("%s naive: %.2f upstream requests per query (%.1fx cold)",
				r.Scenario.Name, n.UpstreamTotal(), n.UpstreamTotal()/max(r.UpstreamTotal(), 0.01)))
		}
	}
	if r, ok := find("list-50", ModeCold); ok && cfg.Latency > 0 {
		path := time.Duration(r.Scenario.Depth) * cfg.Latency
		out = append(out, fmt.Sprintf("list-50 cold: p50 %s ms, p99 %s ms; critical path %d x %s = %s, budget <= %s: p50 %s",
			ms(r.P50), ms(r.P99), r.Scenario.Depth, cfg.Latency, path, path+10*time.Millisecond, verdict(r.P50 <= path+10*time.Millisecond)))
	}
	if r, ok := find("list-50", ModeWarmRedis); ok {
		note := ""
		if cfg.Rate != 200 {
			note = fmt.Sprintf(" (the budget is stated at 200 req/s; this run's rate is %d)", cfg.Rate)
		}
		out = append(out, fmt.Sprintf("list-50 warm-redis: p50 %s ms (< 5: %s), p99 %s ms (< 20: %s)%s",
			ms(r.P50), verdict(r.P50 < 5*time.Millisecond), ms(r.P99), verdict(r.P99 < 20*time.Millisecond), note))
	}
	if cfg.Rate == 0 {
		if n, ok := find("mobile-customer", ModeNaive); ok && n.OKPerSec > 0 {
			for _, m := range []Mode{ModeWarmRedis, ModeWarmMemory, ModeCold} {
				if r, ok := find("mobile-customer", m); ok {
					ratio := r.OKPerSec / n.OKPerSec
					line := fmt.Sprintf("mobile-customer max throughput: %s %.0f req/s vs naive %.0f req/s = %.1fx", m, r.OKPerSec, n.OKPerSec, ratio)
					if m != ModeCold {
						line += " (budget >= 5x: " + verdict(ratio >= 5) + ")"
					}
					out = append(out, line)
				}
			}
		}
	}
	if len(out) == 0 {
		return
	}
	fmt.Fprintln(w, "\nbudget checks:")
	for _, l := range out {
		fmt.Fprintln(w, "- "+l)
	}
}

func batchesText(b map[string]float64) string {
	var parts []string
	for _, name := range []string{"sales", "netsuite", "commercetools"} {
		if v, ok := b[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", name, strconv.FormatFloat(v, 'f', -1, 64)))
		}
	}
	return strings.Join(parts, ", ")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func upstreamCell(r Row) string {
	if r.Upstream == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f (%.2f+%.2f+%.2f)", r.UpstreamTotal(), r.Upstream["sales"], r.Upstream["netsuite"], r.Upstream["commercetools"])
}

func percentOrDash(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func floatOrDash(v float64, prec int) string {
	if v < 0 {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func cpuPerReq(r Row) string {
	if r.CPUCores < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(r.CPUPerReq)/float64(time.Millisecond))
}

// mib formats a byte count; "-" when the gateway's process was not measured.
func mib(b uint64, cpu float64) string {
	if cpu < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b)/(1<<20))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown CPU"
	}
	return s
}
