#include "lib/core/duration.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace shopkit {

namespace {

struct Unit {
    std::string_view name;
    std::int64_t ms;
};

// Largest first: parse_duration requires this order ("1h30m", never "30m1h"), so one
// spelling maps to one value and a typo such as "1m1h" is caught.
constexpr Unit units[] = {
    {"d", 24LL * 3600 * 1000}, {"h", 3600LL * 1000}, {"m", 60LL * 1000}, {"s", 1000}, {"ms", 1},
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

} // namespace

Millis parse_duration(std::string_view text) {
    if (text.empty())
        throw std::invalid_argument("empty duration");
    if (text.front() == '-')
        throw std::invalid_argument("negative duration");

    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::int64_t total = 0;
    std::size_t last_unit = 0; // index into units of the previous part, +1
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_digit(text[i]))
            throw std::invalid_argument("unexpected '" + std::string(1, text[i]) +
                                        "' (write e.g. 90s, 10m, 1h30m)");
        std::int64_t value = 0;
        const std::size_t number_start = i;
        for (; i < text.size() && is_digit(text[i]); ++i) {
            if (value > (max - 9) / 10)
                throw std::invalid_argument("duration too large");
            value = value * 10 + (text[i] - '0');
        }
        const std::string_view number = text.substr(number_start, i - number_start);
        if (i < text.size() && text[i] == '.')
            throw std::invalid_argument("fractions are not allowed (write 1m30s, not 1.5m)");
        const std::size_t unit_start = i;
        for (; i < text.size() && is_letter(text[i]); ++i) {
        }
        const std::string_view unit = text.substr(unit_start, i - unit_start);
        if (unit.empty())
            throw std::invalid_argument("missing unit after '" + std::string(number) +
                                        "' (ms, s, m, h or d)");
        std::size_t index = 0;
        while (index < std::size(units) && units[index].name != unit)
            ++index;
        if (index == std::size(units))
            throw std::invalid_argument("unknown unit '" + std::string(unit) +
                                        "' (ms, s, m, h or d)");
        if (index + 1 <= last_unit)
            throw std::invalid_argument("units out of order or repeated in '" + std::string(text) +
                                        "' (write e.g. 1h30m)");
        last_unit = index + 1;
        if (value > (max - total) / units[index].ms)
            throw std::invalid_argument("duration too large");
        total += value * units[index].ms;
    }
    return Millis(total);
}

std::string format_duration(Millis d) {
    std::int64_t left = d.count();
    std::string out;
    if (left < 0) {
        out = "-";
        // Negative values only come from clock arithmetic; parse_duration refuses them.
        left = left == std::numeric_limits<std::int64_t>::min()
                   ? std::numeric_limits<std::int64_t>::max()
                   : -left;
    }
    if (left == 0)
        return "0s";
    for (const Unit& unit : units) {
        const std::int64_t n = left / unit.ms;
        if (n == 0)
            continue;
        out += std::to_string(n);
        out += unit.name;
        left -= n * unit.ms;
    }
    return out;
}

} // namespace shopkit
