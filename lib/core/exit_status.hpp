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
inline constexpr int tempfail = 75; // EX_TEMPFAIL: something stays queued for the next run
inline constexpr int config = 78;   // EX_CONFIG: bad configuration

} // namespace shopkit::exit_status
