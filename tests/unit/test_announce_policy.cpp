#include "lib/announce/policy.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;
using namespace std::chrono_literals;
using shopkit::test::at;

namespace {

TargetConfig target(const std::string& audience) {
    TargetConfig t;
    t.id = audience == "staff" ? "slack" : "line";
    t.kind = audience == "staff" ? "slack" : "line";
    t.audience = *audience_from_string(audience);
    return t;
}

PolicyConfig policy() {
    PolicyConfig p;
    p.customer_delay = 10min;
    p.update_every = 1h;
    return p;
}

Incident incident(Severity s = Severity::major) {
    Incident i;
    i.id = "own-20260604T0300";
    i.channel = "own";
    i.severity = s;
    i.checks = {"top"};
    i.since = at("2026-06-04T03:00:00Z");
    return i;
}

IncidentEvent event(const std::string& name, const Incident& inc, const char* time) {
    return IncidentEvent{*event_from_string(name), inc, at(time)};
}

OutboxRow row(const std::string& name, const std::string& state, const char* created,
              std::int64_t id = 1) {
    OutboxRow r;
    r.id = id;
    r.name = name;
    r.event = *event_from_string(name.starts_with("update") ? "updated" : name);
    r.state = *outbox_state_from_string(state);
    r.created = at(created);
    return r;
}

std::vector<std::string> names(const PolicyDecision& d) {
    std::vector<std::string> out;
    for (const auto& n : d.due)
        out.push_back(n.name);
    return out;
}

} // namespace

TEST_CASE("announce_policy: staff hear of an outage at once, customers after the delay") {
    const Incident inc = incident();
    const std::vector<IncidentEvent> events = {event("opened", inc, "2026-06-04T03:01:00Z")};
    const auto now = at("2026-06-04T03:01:00Z");
    CHECK(names(decide(target("staff"), policy(), inc, events, {}, now)) ==
          std::vector<std::string>{"opened"});
    CHECK(decide(target("customers"), policy(), inc, events, {}, now).due.empty());
    CHECK(decide(target("customers"), policy(), inc, events, {}, at("2026-06-04T03:09:59Z"))
              .due.empty());
    CHECK(names(decide(target("customers"), policy(), inc, events, {},
                       at("2026-06-04T03:10:00Z"))) == std::vector<std::string>{"opened"});
}

TEST_CASE("announce_policy: a critical incident reaches customers at once") {
    const Incident inc = incident(Severity::critical);
    const std::vector<IncidentEvent> events = {event("opened", inc, "2026-06-04T03:00:30Z")};
    CHECK(names(decide(target("customers"), policy(), inc, events, {},
                       at("2026-06-04T03:00:30Z"))) == std::vector<std::string>{"opened"});
}

TEST_CASE("announce_policy: a blip reaches staff only, and no recovery goes to customers") {
    Incident inc = incident();
    inc.until = at("2026-06-04T03:01:30Z");
    const std::vector<IncidentEvent> events = {event("opened", incident(), "2026-06-04T03:00:00Z"),
                                               event("resolved", inc, "2026-06-04T03:01:30Z")};
    const auto now = at("2026-06-04T03:02:00Z");
    CHECK(names(decide(target("staff"), policy(), inc, events, {}, now)) ==
          std::vector<std::string>{"opened", "resolved"});
    CHECK(decide(target("customers"), policy(), inc, events, {}, now).due.empty());
}

TEST_CASE("announce_policy: recovery only after the outage notice was sent") {
    Incident inc = incident();
    inc.until = at("2026-06-04T04:00:00Z");
    const std::vector<IncidentEvent> events = {event("opened", incident(), "2026-06-04T03:00:00Z"),
                                               event("resolved", inc, "2026-06-04T04:00:00Z")};
    const auto now = at("2026-06-04T04:00:30Z");
    SECTION("sent: recovery due") {
        const auto d = decide(target("customers"), policy(), inc, events,
                              {row("opened", "sent", "2026-06-04T03:10:00Z")}, now);
        CHECK(names(d) == std::vector<std::string>{"resolved"});
        CHECK(d.drop.empty());
    }
    SECTION("still retrying or held: dropped, no recovery") {
        for (const char* st : {"pending", "held", "failed"}) {
            const auto d = decide(target("customers"), policy(), inc, events,
                                  {row("opened", st, "2026-06-04T03:10:00Z", 7)}, now);
            CHECK(d.due.empty());
            CHECK(d.drop == std::vector<std::int64_t>{7});
        }
    }
    SECTION("already told") {
        CHECK(decide(target("customers"), policy(), inc, events,
                     {row("opened", "sent", "2026-06-04T03:10:00Z"),
                      row("resolved", "sent", "2026-06-04T04:00:10Z", 2)},
                     now)
                  .due.empty());
    }
}

TEST_CASE("announce_policy: customers get an update on a severity change or every update_every") {
    const Incident first = incident(Severity::minor);
    Incident worse = first;
    worse.severity = Severity::major;
    const std::vector<OutboxRow> told = {row("opened", "sent", "2026-06-04T03:10:00Z")};
    SECTION("severity change") {
        const std::vector<IncidentEvent> events = {event("opened", first, "2026-06-04T03:00:00Z"),
                                                   event("updated", worse, "2026-06-04T03:20:00Z")};
        CHECK(names(decide(target("customers"), policy(), worse, events, told,
                           at("2026-06-04T03:20:30Z"))) == std::vector<std::string>{"updated-1"});
    }
    SECTION("same severity, other checks: no news for customers, news for staff") {
        Incident more = first;
        more.checks.push_back("cart");
        const std::vector<IncidentEvent> events = {event("opened", first, "2026-06-04T03:00:00Z"),
                                                   event("updated", more, "2026-06-04T03:20:00Z")};
        CHECK(decide(target("customers"), policy(), more, events, told, at("2026-06-04T03:20:30Z"))
                  .due.empty());
        CHECK(names(decide(target("staff"), policy(), more, events, told,
                           at("2026-06-04T03:20:30Z"))) == std::vector<std::string>{"updated-1"});
    }
    SECTION("every update_every since the last notice") {
        const std::vector<IncidentEvent> events = {event("opened", first, "2026-06-04T03:00:00Z")};
        CHECK(decide(target("customers"), policy(), first, events, told, at("2026-06-04T04:09:59Z"))
                  .due.empty());
        CHECK(names(decide(target("customers"), policy(), first, events, told,
                           at("2026-06-04T04:10:00Z"))) == std::vector<std::string>{"update-1"});
        const std::vector<OutboxRow> twice = {told[0],
                                              row("update-1", "sent", "2026-06-04T04:10:00Z", 2)};
        CHECK(
            decide(target("customers"), policy(), first, events, twice, at("2026-06-04T05:00:00Z"))
                .due.empty());
        CHECK(names(decide(target("customers"), policy(), first, events, twice,
                           at("2026-06-04T05:10:00Z"))) == std::vector<std::string>{"update-2"});
    }
    SECTION("no update while the outage notice is still held") {
        const std::vector<IncidentEvent> events = {event("opened", first, "2026-06-04T03:00:00Z"),
                                                   event("updated", worse, "2026-06-04T03:20:00Z")};
        CHECK(decide(target("customers"), policy(), worse, events,
                     {row("opened", "held", "2026-06-04T03:10:00Z")}, at("2026-06-04T06:00:00Z"))
                  .due.empty());
    }
}

TEST_CASE("announce_policy: channels and severities filters use the worst severity") {
    const Incident inc = incident(Severity::minor);
    Incident critical = inc;
    critical.severity = Severity::critical;
    const std::vector<IncidentEvent> events = {event("opened", critical, "2026-06-04T03:00:00Z"),
                                               event("updated", inc, "2026-06-04T03:05:00Z")};
    TargetConfig t = target("staff");
    t.severities = {Severity::critical};
    CHECK(names(decide(t, policy(), inc, events, {}, at("2026-06-04T03:06:00Z"))) ==
          std::vector<std::string>{"opened"});
    t.severities = {Severity::minor, Severity::major};
    CHECK(decide(t, policy(), critical, {event("opened", critical, "2026-06-04T03:00:00Z")}, {},
                 at("2026-06-04T03:06:00Z"))
              .due.empty());
    t.severities.clear();
    t.channels = {"rakuten"};
    CHECK(decide(t, policy(), inc, events, {}, at("2026-06-04T03:06:00Z")).due.empty());
}

TEST_CASE("announce_policy: old news is not sent to a target that never heard of it") {
    Incident inc = incident();
    inc.until = at("2026-06-01T04:00:00Z");
    inc.since = at("2026-06-01T03:00:00Z");
    const std::vector<IncidentEvent> events = {event("opened", inc, "2026-06-01T03:00:00Z"),
                                               event("resolved", inc, "2026-06-01T04:00:00Z")};
    CHECK(
        decide(target("staff"), policy(), inc, events, {}, at("2026-06-04T03:00:00Z")).due.empty());
}

TEST_CASE("announce_policy: next update is update_every from now while open") {
    Incident inc = incident();
    CHECK(next_update(policy(), inc, at("2026-06-04T03:10:00Z")) == at("2026-06-04T04:10:00Z"));
    inc.until = at("2026-06-04T03:20:00Z");
    CHECK_FALSE(next_update(policy(), inc, at("2026-06-04T03:20:00Z")));
}

TEST_CASE("announce_policy: what staff are told of the customers' notice") {
    using S = CustomerNotice::Status;
    const Incident inc = incident();
    const std::vector<IncidentEvent> events = {event("opened", inc, "2026-06-04T03:00:00Z")};
    const TimePoint now = at("2026-06-04T03:04:00Z");
    TargetConfig line = target("customers");

    // Not due yet: due customer_delay after the start, held then when the target holds.
    auto n = customer_notice(line, policy(), false, inc, events, {}, now);
    REQUIRE(n);
    CHECK(n->target == "line");
    CHECK(n->kind == "line");
    CHECK(n->status == S::waiting);
    CHECK(n->at == at("2026-06-04T03:10:00Z"));
    CHECK_FALSE(n->hold);
    line.hold = true;
    CHECK(customer_notice(line, policy(), false, inc, events, {}, now)->hold);
    line.hold = false;
    CHECK(customer_notice(line, policy(), true, inc, events, {}, now)->hold);

    // A critical incident is due at once.
    const Incident crit = incident(Severity::critical);
    CHECK(customer_notice(line, policy(), false, crit, events, {}, now)->at == now);

    // The latest row says where it stands, with its outbox id for --approve.
    n = customer_notice(line, policy(), false, inc, events,
                        {row("opened", "held", "2026-06-04T03:10:00Z", 12)}, now);
    CHECK(n->status == S::held);
    CHECK(n->outbox == 12);
    OutboxRow sent = row("opened", "sent", "2026-06-04T03:10:00Z", 12);
    sent.finished = at("2026-06-04T03:10:05Z");
    n = customer_notice(line, policy(), false, inc, events,
                        {sent, row("update-1", "failed", "2026-06-04T04:10:00Z", 15)}, now);
    CHECK(n->status == S::failed);
    CHECK(n->outbox == 15);
    n = customer_notice(line, policy(), false, inc, events, {sent}, now);
    CHECK(n->status == S::sent);
    CHECK(n->at == at("2026-06-04T03:10:05Z"));

    // Ended before customers were told: nothing goes out.
    Incident over = inc;
    over.until = at("2026-06-04T03:05:00Z");
    CHECK(customer_notice(line, policy(), false, over, events, {}, now)->status == S::untold);

    // Filters: a severity the target leaves out; a channel it does not take at all.
    line.severities = {Severity::critical};
    CHECK(customer_notice(line, policy(), false, inc, events, {}, now)->status == S::not_told);
    line.channels = {"rakuten"};
    CHECK_FALSE(customer_notice(line, policy(), false, inc, events, {}, now));
}
