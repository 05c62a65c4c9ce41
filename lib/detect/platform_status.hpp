// Atlassian Statuspage v2 (summary.json / status.json): the platform's own word on its health.
#pragma once

#include <string>
#include <vector>

namespace shopkit {

struct StatuspageVerdict {
    int state = 3;      // 0 up, 1 degraded, 2 down, 3 unknown (the values of State)
    std::string detail; // e.g. "major: Partial System Outage" or "Checkout: major_outage"
};

// Reads a Statuspage JSON body. Without `components`, status.indicator
// none/minor/major/critical maps to up/degraded/down/down (maintenance: degraded).
// With `components` (names or ids), the worst of those components' statuses is
// used: operational=up, degraded_performance/under_maintenance=degraded,
// partial_outage/major_outage=down; a named component missing from the body is
// reported in detail and makes the verdict unknown. Malformed JSON: unknown.
StatuspageVerdict judge_statuspage(const std::string& body,
                                   const std::vector<std::string>& components);

} // namespace shopkit
