// Where the seconds of a check or a channel went, in the six buckets the
// availability rules use (lib/report/availability.hpp): what the daily roll-up
// stores per day and a report adds up.
#pragma once

#include "lib/model/check_state.hpp"

#include <chrono>
#include <optional>

namespace shopkit {

// Where a second of a check's (or channel's) time went.
enum class Bucket { up, degraded, down, unknown, maintenance, no_data };

// The bucket of a probe's state (maintenance and no data come from time, not
// from probes).
Bucket bucket_of(State state);

// Seconds in each bucket. Time not counted (before a first probe) is in none.
struct Buckets {
    std::chrono::seconds up{0};
    std::chrono::seconds degraded{0};
    std::chrono::seconds down{0};
    std::chrono::seconds unknown{0};
    std::chrono::seconds maintenance{0};
    std::chrono::seconds no_data{0};

    // Adds `d` to `bucket`.
    void add(Bucket bucket, std::chrono::seconds d);
    // Adds every bucket of `other`.
    Buckets& operator+=(const Buckets& other);
    // up + degraded: the time customers could buy.
    std::chrono::seconds available() const { return up + degraded; }
    // up + degraded + down: the time availability is a share of.
    std::chrono::seconds observed() const { return up + degraded + down; }
    // Every bucket together: the time counted.
    std::chrono::seconds counted() const;
    // available() / observed(), 0..1; nullopt when nothing was observed.
    std::optional<double> availability() const;
    bool operator==(const Buckets&) const = default;
};

} // namespace shopkit
