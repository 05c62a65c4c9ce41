// The one way an enum meets its text: a table of (value, name) pairs per enum,
// looked up both ways. Every record field, state column and config value that
// holds an enum goes through its table, so a name is spelled in one place.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace shopkit {

template <class E, std::size_t N> using EnumNames = std::array<std::pair<E, std::string_view>, N>;

// The name of `value` in `names`; `fallback` when the table lacks it (a bug:
// every table lists every value).
template <class E, std::size_t N>
constexpr std::string_view enum_name(const EnumNames<E, N>& names, E value,
                                     std::string_view fallback = "unknown") {
    for (const auto& [v, name] : names)
        if (v == value)
            return name;
    return fallback;
}

// The value named `text` (exact, case-sensitive); nullopt for any other text.
template <class E, std::size_t N>
constexpr std::optional<E> enum_value(const EnumNames<E, N>& names, std::string_view text) {
    for (const auto& [v, name] : names)
        if (name == text)
            return v;
    return std::nullopt;
}

} // namespace shopkit
