#include "lib/config/send_rate.hpp"

#include <charconv>
#include <system_error>

namespace shopkit {

std::optional<double> parse_send_rate(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0)
        return std::nullopt;
    const std::string_view number = text.substr(0, slash);
    const std::string_view unit = text.substr(slash + 1);
    unsigned long n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc() || end != number.data() + number.size() || n == 0 || n > 1'000'000)
        return std::nullopt;
    const double per = unit == "s" ? 1.0 : unit == "m" ? 60.0 : unit == "h" ? 3600.0 : 0.0;
    if (per == 0.0)
        return std::nullopt;
    return static_cast<double>(n) / per;
}

} // namespace shopkit
