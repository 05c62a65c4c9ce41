// Every exit status a shopkit program can return, in one place.
// 0-3 follow the monitoring-plugins convention (shopcheck is a Nagios plugin);
// the rest follow sysexits.h.
#pragma once

namespace shopkit::exit_status {

inline constexpr int ok = 0;            // all up / done / sent
inline constexpr int warning = 1;       // shopcheck: something degraded
inline constexpr int not_recovered = 1; // shoprecover: not recovered within --wait
inline constexpr int critical = 2;      // shopcheck: something down
inline constexpr int unknown = 3;       // shopcheck: could not check (own network, internal error)
inline constexpr int usage = 64;        // EX_USAGE: bad flags or operands
inline constexpr int data = 65;         // EX_DATAERR: malformed input record
inline constexpr int software = 70; // EX_SOFTWARE: internal error (programs other than shopcheck)
// EX_IOERR: standard output could not be written, so records were lost (a full
// disk under `>> log.jsonl`, /dev/full); shopcheck says 3 (unknown) instead.
inline constexpr int io = 74;
inline constexpr int tempfail = 75; // EX_TEMPFAIL: something stays queued for the next run
inline constexpr int config = 78;   // EX_CONFIG: bad configuration

// The status a filter (shopannounce, shoprecover) reports when several things
// went wrong: a bad config (78) over bad input (65) over something left for
// the next run (75) over success; any other status ranks with success.
constexpr int worse(int a, int b) {
    auto rank = [](int x) { return x == config ? 3 : x == data ? 2 : x == tempfail ? 1 : 0; };
    return rank(b) > rank(a) ? b : a;
}

} // namespace shopkit::exit_status
