// The variables a notice template sees (see shopannounce(1), TEMPLATES): the
// shop, the channel, the incident in plain words and the shop's time zone, the
// next update, and the alternatives: the shop's other channels that are up now.
// For staff also the operational facts: each check's last probe and failing
// streak, the channels still up, and what customers are told and when.
#pragma once

#include "lib/config/config.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/check_result.hpp"
#include "lib/model/incident.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

// Where the customers of one customers target stand on an incident, for staff.
struct CustomerNotice {
    enum class Status {
        waiting,  // not due yet: due at `at` unless the incident ends first
        held,     // queued for a person: shopannounce --approve <outbox>
        queued,   // pending or being sent
        sent,     // sent at `at`
        failed,   // failed for good; --approve <outbox> tries again
        dropped,  // dropped or discarded: it does not go out
        not_told, // the target's severities leave this incident out
        untold,   // the incident ended before customers were told: nothing goes out
    };
    std::string target; // target id
    std::string kind;
    Status status = Status::waiting;
    std::optional<TimePoint> at; // waiting: when due; sent: when sent
    std::int64_t outbox = 0;     // the outbox row (held, queued, sent, failed, dropped)
    bool hold = false;           // waiting: it will be held for approval when due
};

// "waiting", "held", "queued", "sent", "failed", "dropped", "not_told", "untold".
std::string_view to_string(CustomerNotice::Status s);

struct ContextInput {
    const Config* config = nullptr;
    Incident incident;
    Event event = Event::opened;
    TimePoint now{};
    std::optional<TimePoint> next_update;
    std::map<CheckKey, CheckCounter> counters; // current check states, for the alternatives
    std::string message;                       // --message, or empty
    // The latest probe of each check (the check records on the same pipe); a
    // check without one shows its counter's state only.
    std::map<CheckKey, CheckResult> probes;
    std::vector<CustomerNotice> customers; // staff notices: every customers target of the channel
};

// The JSON object a notice template renders: shop, channel, incident (its times and
// duration in words::; each check with its last probe and failing streak), next_update,
// alternatives, channels_up, customers, commands, message, now. Never throws on content.
nlohmann::json notice_context(const ContextInput& in);

// A check's name for customers: its `name`, else a word for a common id
// (words::common_check), else the id.
std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language);

// Channels other than `except` whose every check is confirmed up in `counters`.
nlohmann::json alternatives(const Config& config, const std::string& except,
                            const std::map<CheckKey, CheckCounter>& counters);

// The same, with channels that have no URL too (what staff want to know is up).
nlohmann::json channels_up(const Config& config, const std::string& except,
                           const std::map<CheckKey, CheckCounter>& counters);

} // namespace shopkit
