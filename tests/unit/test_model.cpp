// The shared domain types: every enum meets its text in one table, both ways,
// and JSON writes it as that text.
#include "lib/model/check_state.hpp"
#include "lib/model/incident.hpp"
#include "lib/model/outbox_row.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace shopkit;

namespace {

template <class E, class Parse>
void round_trip(std::initializer_list<std::pair<E, const char*>> cases, Parse parse) {
    for (const auto& [value, name] : cases) {
        CHECK(to_string(value) == name);
        CHECK(parse(name) == value);
        CHECK(nlohmann::json(value) == name);
        CHECK(nlohmann::ordered_json(value) == name);
    }
    CHECK_FALSE(parse("Opened").has_value());
    CHECK_FALSE(parse("").has_value());
}

} // namespace

TEST_CASE("model: every enum has one name, read back and written to JSON as text") {
    round_trip<Event>({{Event::opened, "opened"},
                       {Event::updated, "updated"},
                       {Event::resolved, "resolved"},
                       {Event::maintenance, "maintenance"}},
                      event_from_string);
    round_trip<Severity>(
        {{Severity::minor, "minor"}, {Severity::major, "major"}, {Severity::critical, "critical"}},
        severity_from_string);
    round_trip<State>({{State::up, "up"},
                       {State::degraded, "degraded"},
                       {State::down, "down"},
                       {State::unknown, "unknown"}},
                      state_from_string);
    round_trip<Audience>({{Audience::staff, "staff"}, {Audience::customers, "customers"}},
                         audience_from_string);
    round_trip<OutboxState>({{OutboxState::held, "held"},
                             {OutboxState::pending, "pending"},
                             {OutboxState::sending, "sending"},
                             {OutboxState::sent, "sent"},
                             {OutboxState::failed, "failed"},
                             {OutboxState::discarded, "discarded"},
                             {OutboxState::dropped, "dropped"}},
                            outbox_state_from_string);
}

TEST_CASE("model: an incident event in a JSON object names its event") {
    const nlohmann::json j = {{"event", Event::resolved}, {"severity", Severity::critical}};
    CHECK(j.dump() == R"({"event":"resolved","severity":"critical"})");
}
