#include "lib/model/buckets.hpp"

namespace shopkit {

using std::chrono::seconds;

Bucket bucket_of(State state) {
    switch (state) {
    case State::up:
        return Bucket::up;
    case State::degraded:
        return Bucket::degraded;
    case State::down:
        return Bucket::down;
    case State::unknown:
        break;
    }
    return Bucket::unknown;
}

void Buckets::add(Bucket bucket, seconds d) {
    switch (bucket) {
    case Bucket::up:
        up += d;
        return;
    case Bucket::degraded:
        degraded += d;
        return;
    case Bucket::down:
        down += d;
        return;
    case Bucket::unknown:
        unknown += d;
        return;
    case Bucket::maintenance:
        maintenance += d;
        return;
    case Bucket::no_data:
        no_data += d;
        return;
    }
}

Buckets& Buckets::operator+=(const Buckets& other) {
    up += other.up;
    degraded += other.degraded;
    down += other.down;
    unknown += other.unknown;
    maintenance += other.maintenance;
    no_data += other.no_data;
    return *this;
}

seconds Buckets::counted() const {
    return up + degraded + down + unknown + maintenance + no_data;
}

std::optional<double> Buckets::availability() const {
    if (observed().count() <= 0)
        return std::nullopt;
    return static_cast<double>(available().count()) / static_cast<double>(observed().count());
}

} // namespace shopkit
