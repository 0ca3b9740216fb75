package capture

import (
	"strconv"
	"strings"
	"time"
)

// Rotation is sysdig's file rotation (-C, -G, -W, -e). Zero values mean
// "not used".
type Rotation struct {
	// FileMB starts a new file once the current one is larger than
	// FileMB million bytes (-C).
	FileMB int
	// Seconds starts a new file when an event comes Seconds or more
	// after the start of the current one (-G). A '%' in the base name
	// makes the names strftime patterns of the rotation time.
	Seconds int
	// Limit keeps at most Limit files: the index wraps (-W).
	Limit int
	// Events starts a new file every Events events (-e).
	Events int64
}

// Active reports whether any rotation option is set (sysdig's
// m_write_cycling).
func (r Rotation) Active() bool {
	return r.FileMB != 0 || r.Seconds != 0 || r.Limit != 0 || r.Events != 0
}

// Cycle decides file names and when to start a new file, following the
// rules of sysdig 0.29.3's cycle writer (libsinsp cyclewriter.cpp):
//
//   - the decision is taken for each event about to be written, before it
//     is written: first the time (-G: the event's second minus the current
//     file's second is at least Seconds; never for the first event of a
//     capture, see Cycle.empty), then the size (-C: the file's
//     offset is above FileMB million bytes), then the count (-e: this is
//     the Events-th event since the last count reset; so the first file
//     gets Events-1 events, the next ones Events);
//   - names: -G with a '%' in the base uses strftime of the rotation time
//     (local time), -G without one base+index; -C appends the index
//     zero-padded to the number of digits of -W (no padding without -W);
//     -e always makes base+index, overriding the rest; no option keeps the
//     base name;
//   - -W wraps the index to 0 (the file of that index is overwritten);
//     with -G and strftime names the file that held the slot is removed;
//   - replaying a file (not live) with -G and a '%' name writes the first
//     file to "first_dump.scap", a sysdig bug kept for fidelity; live, the
//     clock starts at setup time instead of at the first event.
type Cycle struct {
	base     string
	rot      Rotation
	live     bool
	strftime bool

	lastTime int64 // seconds
	// empty: no event was considered yet (in the whole capture). Live,
	// the clock starts at setup, and sysdig would start a new file at
	// a first event that comes a whole period later (a slow start),
	// leaving a file of header only that no reader takes; xtrace keeps
	// that event in the first file.
	empty      bool
	index      int
	eventCount int64
	pastNames  []string
	current    string
	remove     string
	reason     string
}

// NewCycle sets the cycle up and names the first file; now is the setup
// time (used live).
func NewCycle(base string, r Rotation, live bool, now time.Time) *Cycle {
	c := &Cycle{base: base, rot: r, live: live, strftime: strings.Contains(base, "%"), empty: true}
	if r.Seconds > 0 && r.Limit > 0 {
		c.pastNames = make([]string, r.Limit)
	}
	if !live && r.Seconds > 0 && c.strftime {
		c.current = "first_dump.scap"
	} else {
		if live {
			c.lastTime = now.Unix()
		}
		c.next()
	}
	return c
}

// Name returns the name of the current file.
func (c *Cycle) Name() string { return c.current }

// Reason says why the last rotation happened.
func (c *Cycle) Reason() string { return c.reason }

// Remove returns the file a rotation displaced (-G -W with strftime names),
// "" otherwise. It is valid right after Consider returned true.
func (c *Cycle) Remove() string { return c.remove }

// Consider is called before an event with timestamp ts (ns) is written to
// a file whose offset (what sysdig's gzoffset reports, see [File.Offset])
// is offset. It reports whether the event starts a new file, whose name
// [Cycle.Name] then returns.
func (c *Cycle) Consider(ts uint64, offset int64) bool {
	c.remove = ""
	c.eventCount++
	first := c.empty
	c.empty = false
	sec := int64(ts / 1e9)
	if c.rot.Seconds > 0 {
		if c.lastTime == 0 {
			c.lastTime = sec
		}
		if first && sec-c.lastTime >= int64(c.rot.Seconds) {
			c.lastTime = sec // the first event stays in the first file
		}
		if sec-c.lastTime >= int64(c.rot.Seconds) {
			c.lastTime = sec
			c.reason = "maximum time reached"
			c.next()
			return true
		}
	}
	if c.rot.FileMB > 0 && offset > int64(c.rot.FileMB)*1000000 {
		c.reason = "maximum file size reached"
		c.next()
		return true
	}
	if c.rot.Events > 0 && c.eventCount >= c.rot.Events {
		c.eventCount = 0
		c.reason = "maximum event number reached"
		c.next()
		return true
	}
	return false
}

// next picks the next file name.
func (c *Cycle) next() {
	if c.rot.Limit > 0 && c.index >= c.rot.Limit {
		c.index = 0
	}
	name := c.base
	if c.rot.Seconds > 0 {
		if c.strftime {
			name = Strftime(c.base, time.Unix(c.lastTime, 0))
			if c.rot.Limit > 0 {
				if old := c.pastNames[c.index]; old != "" && old != name {
					c.remove = old
				}
				c.pastNames[c.index] = name
			}
		} else {
			name = c.base + strconv.Itoa(c.index)
		}
	}
	if c.rot.FileMB > 0 {
		digits := 0
		for n := c.rot.Limit; n > 0; n /= 10 {
			digits++
		}
		idx := strconv.Itoa(c.index)
		for len(idx) < digits {
			idx = "0" + idx
		}
		name += idx
	}
	if c.rot.Events > 0 {
		name = c.base + strconv.Itoa(c.index)
	}
	c.current = name
	c.index++
}
