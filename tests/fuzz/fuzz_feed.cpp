// The RSS / Atom reader of platform incident feeds: any body is a feed or is
// refused with a reason; no exception, crash or sanitizer report. The dates
// inside (RFC 822, RFC 3339) are read or refused the same way.
#include "fuzz_support.hpp"

#include "lib/core/clock.hpp"
#include "lib/detect/feed.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace shopkit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string body(reinterpret_cast<const char*>(data), size);
    const TimePoint now = TimePoint(std::chrono::seconds(1780531200)); // 2026-06-04T00:00:00Z

    std::string why;
    const auto entries = parse_feed(body, &why);
    FUZZ_CHECK(entries.has_value() || !why.empty());

    const FeedVerdict verdict = judge_feed(body, "(?i)outage|down|degraded|障害|不具合",
                                           "(?i)resolved|recovered|復旧", std::nullopt, now);
    FUZZ_CHECK(verdict.parsed == entries.has_value());
    FUZZ_CHECK(!verdict.problem || verdict.parsed);
    (void)judge_feed(body, "(?i)outage", "", std::chrono::hours(24), now);

    // The same bytes as a date, as pubDate and <updated> hold them.
    const std::string_view line = std::string_view(body).substr(0, 64);
    (void)parse_rfc822(line);
    (void)parse_rfc3339(line);
    return 0;
}
