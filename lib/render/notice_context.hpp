// The variables a notice template sees (see shopannounce(1), TEMPLATES): the
// shop, the channel, the incident in plain words and the shop's time zone, the
// next update, and the alternatives: the shop's other channels that are up now.
#pragma once

#include "lib/config/config.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/incident.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace shopkit {

struct ContextInput {
    const Config* config = nullptr;
    Incident incident;
    Event event = Event::opened;
    TimePoint now{};
    std::optional<TimePoint> next_update;
    std::map<CheckKey, CheckCounter> counters; // current check states, for the alternatives
    std::string message;                       // --message, or empty
};

// The JSON object a notice template renders: shop, channel, incident (its times and
// duration in words::), next_update, alternatives, message, now. Never throws on content.
nlohmann::json notice_context(const ContextInput& in);

// A check's name for customers: its `name`, else a word for a common id
// (words::common_check), else the id.
std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language);

// Channels other than `except` whose every check is confirmed up in `counters`.
nlohmann::json alternatives(const Config& config, const std::string& except,
                            const std::map<CheckKey, CheckCounter>& counters);

} // namespace shopkit
