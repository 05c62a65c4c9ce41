#include "lib/detect/round.hpp"

#include "lib/detect/evaluate.hpp"

#include <algorithm>

namespace shopkit {

std::vector<ProbeItem> probe_items(const std::vector<const ChannelConfig*>& channels) {
    std::vector<ProbeItem> items;
    for (const ChannelConfig* channel : channels)
        for (const auto& check : channel->checks)
            items.push_back({channel, &check});
    return items;
}

RoundResult probe_round(const Config& config, const std::vector<ProbeItem>& items,
                        Transport& transport, const Clock& clock, std::size_t concurrency) {
    std::vector<Request> requests;
    requests.reserve(items.size() + config.policy.canary.size());
    for (const ProbeItem& item : items)
        requests.push_back(make_request(*item.check));
    // Canaries ride in the same batch: they cost no extra wall time.
    for (const auto& url : config.policy.canary) {
        Request r;
        r.url = url;
        r.timeout = config.policy.timeout;
        r.max_body = 16 * 1024;
        requests.push_back(std::move(r));
    }

    RoundResult out;
    out.results.resize(items.size());
    std::size_t canaries_up = 0;
    std::string canary_errors;
    const TimePoint started = clock.now();
    transport.fetch(
        requests, std::max<std::size_t>(1, concurrency), [&](std::size_t i, Response&& response) {
            if (i < items.size()) {
                out.results[i] =
                    evaluate(*items[i].channel, *items[i].check, response, started, clock.now());
                return;
            }
            // Any HTTP answer from a canary proves our own network works.
            if (response.transfer_ok && response.http_status > 0) {
                ++canaries_up;
            } else {
                const auto& url = config.policy.canary[i - items.size()];
                canary_errors += (canary_errors.empty() ? "" : "; ") + url + ": " + response.error;
            }
        });

    const bool any_failed = std::any_of(out.results.begin(), out.results.end(),
                                        [](const CheckResult& r) { return r.raw != State::up; });
    if (!config.policy.canary.empty() && canaries_up == 0 && any_failed) {
        out.network_down = true;
        out.network_detail = "every canary failed too (" + canary_errors +
                             "): our own network looks down; nothing was recorded";
        for (auto& r : out.results)
            if (r.raw != State::up)
                r.state = State::unknown;
    }
    return out;
}

} // namespace shopkit
