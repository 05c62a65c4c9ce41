#include "lib/state/lease.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include <signal.h>
#include <unistd.h>

namespace shopkit {

namespace {

std::string host_name() {
    std::array<char, 256> buf{};
    if (::gethostname(buf.data(), buf.size() - 1) != 0)
        return "localhost";
    return buf.data();
}

} // namespace

std::string lease_owner() {
    return fmt::format("{}:{}", host_name(), ::getpid());
}

bool lease_lapsed(const std::string& owner, std::optional<TimePoint> lease_until, TimePoint now) {
    if (!lease_until || *lease_until <= now)
        return true;
    // A run on this host that died mid-work (killed, crashed) holds no lease worth waiting for.
    const auto colon = owner.rfind(':');
    if (colon == std::string::npos || owner.substr(0, colon) != host_name())
        return false;
    long pid = 0;
    try {
        pid = std::stol(owner.substr(colon + 1));
    } catch (const std::exception&) {
        return false;
    }
    if (pid <= 0 || pid == ::getpid())
        return false;
    return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

TimePoint next_attempt_after(int attempts, std::optional<Millis> retry_after, TimePoint now) {
    if (retry_after)
        return now + std::max(*retry_after, Millis(std::chrono::seconds(1)));
    const int doublings = std::clamp(attempts - 1, 0, 7);
    const Millis wait =
        std::min<Millis>(std::chrono::seconds(30) * (1 << doublings), std::chrono::hours(1));
    return now + wait;
}

} // namespace shopkit
