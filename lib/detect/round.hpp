// One round of probes: every given check and every canary of [policy] in one
// batch through a Transport, each answer judged (evaluate). shopcheck runs one
// round a run; shoprecover --confirm runs rounds until a recovery holds.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_result.hpp"
#include "lib/net/probe.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace shopkit {

// A check to probe, with the channel it belongs to (both owned by the Config).
struct ProbeItem {
    const ChannelConfig* channel;
    const CheckConfig* check;
};

struct RoundResult {
    std::vector<CheckResult> results; // one per item, in order; `state` equals `raw`
    bool network_down = false;        // every canary failed and a check failed too
    std::string network_detail;       // why, for people
};

// Every check of the given channels, in config order.
std::vector<ProbeItem> probe_items(const std::vector<const ChannelConfig*>& channels);

// Probes the items and [policy] canary URLs, at most `concurrency` transfers at
// once. When the network is down (every canary failed while a check failed),
// the failed results are turned unknown: the shop is not the problem. Throws
// config_error when a check's secret cannot be read.
RoundResult probe_round(const Config& config, const std::vector<ProbeItem>& items,
                        Transport& transport, const Clock& clock, std::size_t concurrency);

} // namespace shopkit
