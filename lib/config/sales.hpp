// [[maintenance]] and [sales] of shopkit.toml(5): planned windows, and what an
// hour of selling is worth.
#pragma once

#include "lib/core/clock.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// One [[maintenance]] window, [start, end).
struct MaintenanceConfig {
    std::string channel; // empty = every channel
    TimePoint start;
    TimePoint end;
    std::string reason;
};

// One [[sales.event]]: a sale from start to end that multiplies hourly sales.
struct SalesEvent {
    std::string name;
    TimePoint start;
    TimePoint end;
    double multiplier = 1.0;
};

// [sales] blocked: the share of selling (0..1) an incident of each severity stops.
struct BlockedShare {
    double critical = 1.0;
    double major = 0.5;
    double minor = 0.1;
};

// [sales]: the currency, typical sales per hour (0:00 first), orders and events,
// and the shares the lost-sales estimate uses.
struct SalesConfig {
    std::string currency = "JPY";
    std::vector<double> hourly; // 24 values, or empty
    std::optional<std::filesystem::path> orders_csv;
    std::vector<SalesEvent> events;
    BlockedShare blocked;
    double recaptured = 0; // 0..1: the share other channels sell once customers are told
};

// The [[sales.event]] running at `t` (start <= t < end), or nullptr. When events
// overlap, the first of them in the file wins. Points into `sales`.
const SalesEvent* sale_at(const SalesConfig& sales, TimePoint t);

} // namespace shopkit
