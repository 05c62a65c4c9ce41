#include "lib/config/sections.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

namespace shopkit::config_detail {

namespace {

// A number from 0 to 1 under `key`, or nullopt when absent.
std::optional<double> share(const Table& t, std::string_view key) {
    const auto value = t.number(key);
    if (value && !(*value >= 0 && *value <= 1))
        t.fail(key, fmt::format("'{}' must be a share from 0 to 1, such as 0.3", key));
    return value;
}

} // namespace

void read_sales(const Source& src, const toml::table& table, SalesConfig& sales) {
    const Table t(src, table, "[sales]");
    t.only({"currency", "hourly", "orders_csv", "event", "blocked", "recaptured"});
    if (auto v = t.string("currency")) {
        const bool code = v->size() == 3 && std::all_of(v->begin(), v->end(), [](char c) {
                              return c >= 'A' && c <= 'Z';
                          });
        if (!code)
            t.fail("currency", fmt::format("'currency' must be an ISO 4217 code such as \"JPY\", "
                                           "not \"{}\"",
                                           *v));
        sales.currency = *v;
    }
    if (const toml::node* node = t.get("hourly")) {
        const auto* array = node->as_array();
        if (array == nullptr || array->size() != 24)
            t.fail("hourly", "'hourly' must be an array of 24 numbers, one per hour from 0:00");
        for (const toml::node& element : *array) {
            double value = 0;
            if (const auto* i = element.as_integer())
                value = static_cast<double>(i->get());
            else if (const auto* f = element.as_floating_point())
                value = f->get();
            else
                src.fail(element.source(),
                         fmt::format("'hourly' must be numbers, not {}", type_name(element)));
            if (!(value >= 0))
                src.fail(element.source(), "'hourly' values must be 0 or more");
            sales.hourly.push_back(value);
        }
    }
    sales.orders_csv = t.path("orders_csv");
    if (const toml::table* blocked = t.table("blocked")) {
        const Table b(src, *blocked, "[sales] blocked");
        b.only({"critical", "major", "minor"});
        sales.blocked.critical = share(b, "critical").value_or(sales.blocked.critical);
        sales.blocked.major = share(b, "major").value_or(sales.blocked.major);
        sales.blocked.minor = share(b, "minor").value_or(sales.blocked.minor);
    }
    sales.recaptured = share(t, "recaptured").value_or(0.0);
    for (const toml::table* event_table : t.tables("event", "[[sales.event]]")) {
        const Table e(src, *event_table, "[[sales.event]]");
        e.only({"name", "start", "end", "multiplier"});
        SalesEvent event;
        auto name = e.nonempty_string("name");
        if (!name)
            e.fail("[[sales.event]] has no 'name'");
        event.name = *name;
        auto start = e.time("start");
        auto end = e.time("end");
        if (!start || !end)
            e.fail(fmt::format("sales event '{}' needs 'start' and 'end'", event.name));
        if (*start >= *end)
            e.fail("end", "'end' must be after 'start'");
        event.start = *start;
        event.end = *end;
        if (auto m = e.number("multiplier")) {
            if (!(*m > 0))
                e.fail("multiplier", "'multiplier' must be more than 0");
            event.multiplier = *m;
        }
        sales.events.push_back(std::move(event));
    }
}

MaintenanceConfig read_maintenance(const Source& src, const toml::table& table,
                                   const Config& config) {
    const Table t(src, table, "[[maintenance]]");
    t.only({"channel", "start", "end", "reason"});
    MaintenanceConfig m;
    if (auto v = t.string("channel")) {
        if (config.channel(*v) == nullptr)
            t.fail("channel", fmt::format("no channel with id '{}'", *v));
        m.channel = *v;
    }
    auto start = t.time("start");
    auto end = t.time("end");
    if (!start || !end)
        t.fail("[[maintenance]] needs 'start' and 'end'");
    if (*start >= *end)
        t.fail("end", "'end' must be after 'start'");
    m.start = *start;
    m.end = *end;
    m.reason = t.string("reason").value_or("");
    return m;
}

} // namespace shopkit::config_detail

namespace shopkit {

const SalesEvent* sale_at(const SalesConfig& sales, TimePoint t) {
    for (const SalesEvent& event : sales.events) {
        if (event.start <= t && t < event.end)
            return &event;
    }
    return nullptr;
}

PolicyConfig policy_at(const Config& config, TimePoint now) {
    if (sale_at(config.sales, now) == nullptr)
        return config.policy;
    return apply_overrides(config.policy, config.policy.sale);
}

} // namespace shopkit
