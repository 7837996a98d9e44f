package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// machine describes where the figures were measured; it is printed beside
// every result.
type machine struct {
	CPU     string `json:"cpu"`     // "model name" of /proc/cpuinfo
	Cores   int    `json:"cores"`   // logical CPUs visible at start
	Kernel  string `json:"kernel"`  // /proc/sys/kernel/osrelease
	Go      string `json:"go"`      // go version, GOOS/GOARCH
	Date    string `json:"date"`    // UTC, RFC 3339
	LoadAvg string `json:"loadavg"` // 1, 5 and 15 minute load averages at start
}

func describeMachine(now time.Time) machine {
	m := machine{
		CPU:     cpuModel(),
		Cores:   runtime.NumCPU(),
		Kernel:  firstLine("/proc/sys/kernel/osrelease"),
		Go:      runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		Date:    now.UTC().Format(time.RFC3339),
		LoadAvg: strings.Join(first(strings.Fields(firstLine("/proc/loadavg")), 3), " "),
	}
	if m.CPU == "" {
		m.CPU = "unknown CPU"
	}
	return m
}

func (m machine) String() string {
	return fmt.Sprintf("%s, %d cores, linux %s, %s, %s, loadavg at start %s",
		m.CPU, m.Cores, m.Kernel, m.Go, m.Date, m.LoadAvg)
}

func first(xs []string, n int) []string { return xs[:min(n, len(xs))] }

// cpuModel returns the first "model name" of /proc/cpuinfo, or "".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// pinSelf binds every thread of this process, and so every thread it
// creates later, to cpu.
func pinSelf(cpu int) error {
	out, err := exec.Command("taskset", "-a", "-p", "-c", strconv.Itoa(cpu), strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("taskset: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// allowedCPUs returns this process's Cpus_allowed_list, e.g. "1".
func allowedCPUs() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// processCPU returns the user+system CPU time of process pid (all threads).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line; the command name (field 2) may contain spaces and
// parentheses, so fields are counted after its last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command name")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
