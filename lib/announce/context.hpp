// The variables a notice template sees (see shopannounce(1), TEMPLATES): the
// shop, the channel, the incident in plain words and the shop's time zone, the
// next update, and the alternatives: the shop's other channels that are up now.
#pragma once

#include "lib/config/config.hpp"
#include "lib/model/incident.hpp"
#include "lib/state/state.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace shopkit {

struct ContextInput {
    const Config* config = nullptr;
    Incident incident;
    std::string event; // opened | updated | resolved | maintenance
    TimePoint now{};
    std::optional<TimePoint> next_update;
    std::map<CheckKey, CheckCounter> counters; // current check states, for the alternatives
    std::string message;                       // --message, or empty
};

nlohmann::json notice_context(const ContextInput& in);

// "2026年6月4日 12:00" (ja) or "4 June 2026 12:00" (other languages), in `tz`.
std::string human_time(TimePoint t, const std::string& tz, const std::string& language);
// "1時間5分" (ja) or "1 h 5 min"; under a minute: "1分未満" / "under a minute".
std::string human_duration(Millis d, const std::string& language);
// A check's name for customers: its `name`, else a word for a common id
// (top, cart, checkout, login, search, product, api, platform …), else the id.
std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language);

// Channels other than `except` whose every check is confirmed up in `counters`.
nlohmann::json alternatives(const Config& config, const std::string& except,
                            const std::map<CheckKey, CheckCounter>& counters);

} // namespace shopkit
