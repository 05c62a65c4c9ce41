#include "lib/render/notice_context.hpp"

#include "lib/core/enum_names.hpp"
#include "lib/core/words.hpp"

#include <algorithm>
#include <cmath>

namespace shopkit {

namespace {

constexpr EnumNames<CustomerNotice::Status, 8> customer_status_names{{
    {CustomerNotice::Status::waiting, "waiting"},
    {CustomerNotice::Status::held, "held"},
    {CustomerNotice::Status::queued, "queued"},
    {CustomerNotice::Status::sent, "sent"},
    {CustomerNotice::Status::failed, "failed"},
    {CustomerNotice::Status::dropped, "dropped"},
    {CustomerNotice::Status::not_told, "not_told"},
    {CustomerNotice::Status::untold, "untold"},
}};

const ChannelConfig* find_channel(const Config& c, const std::string& id) {
    return c.channel(id);
}

const CheckConfig* find_check(const ChannelConfig* ch, const std::string& id) {
    if (ch == nullptr)
        return nullptr;
    for (const auto& c : ch->checks)
        if (c.id == id)
            return &c;
    return nullptr;
}

using Json = nlohmann::json;

// Channels other than `except` whose every check is confirmed up in `counters`;
// with `need_url`, only those customers can be sent to.
Json up_channels(const Config& config, const std::string& except,
                 const std::map<CheckKey, CheckCounter>& counters, bool need_url) {
    Json out = Json::array();
    for (const auto& ch : config.channels) {
        if (ch.id == except || (need_url && ch.url.empty()))
            continue;
        bool up = !ch.checks.empty();
        for (const auto& c : ch.checks) {
            const auto it = counters.find({ch.id, c.id});
            // Never checked is not known to be up: only confirmed channels are offered.
            if (it == counters.end() || it->second.state != State::up) {
                up = false;
                break;
            }
        }
        if (up)
            out.push_back(
                {{"id", ch.id}, {"name", ch.name.empty() ? ch.id : ch.name}, {"url", ch.url}});
    }
    return out;
}

std::string joined_names(const Json& list, const std::string& lang) {
    std::string out;
    for (const auto& item : list) {
        if (!out.empty())
            out += words::japanese(lang) ? "、" : ", ";
        out += item.value("name", "");
    }
    return out;
}

// Every key is set in every item (empty when unknown), so a section over a
// missing fact never falls back to a variable of the same name further out.
Json check_item(const Config& config, const ContextInput& in, const CheckConfig* check,
                const std::string& id) {
    const std::string& tz = config.shop.timezone;
    const std::string& lang = config.shop.language;
    const CheckKey key{in.incident.channel, id};
    Json item = {{"id", id},
                 {"name", check_words(check, id, lang)},
                 {"state", ""},
                 {"http_status", ""},
                 {"error", ""},
                 {"detail", ""},
                 {"latency_ms", ""},
                 {"runs", ""},
                 {"failing_since", ""},
                 {"failing_since_iso", ""},
                 {"probed", ""}};
    if (const auto it = in.counters.find(key); it != in.counters.end()) {
        const CheckCounter& c = it->second;
        item["state"] = std::string(to_string(c.state));
        if (c.fails > 0)
            item["runs"] = c.fails;
        if (c.fails > 0 && c.first_fail) {
            item["failing_since"] = words::time(*c.first_fail, tz, lang);
            item["failing_since_iso"] = format_local(*c.first_fail, tz);
        }
    }
    if (const auto it = in.probes.find(key); it != in.probes.end()) {
        const CheckResult& p = it->second;
        // The confirmed state when the counter knows it; else what the probe says.
        if (item["state"] == "")
            item["state"] = std::string(to_string(p.state));
        if (p.http_status > 0)
            item["http_status"] = p.http_status;
        item["error"] = p.error;
        // "HTTP 500" says no more than the status beside it.
        if (p.error != "HTTP " + std::to_string(p.http_status))
            item["detail"] = p.error;
        item["latency_ms"] = std::llround(p.timings.total * 1000.0);
        item["probed"] = words::time(p.time, tz, lang);
    }
    return item;
}

Json customers_json(const ContextInput& in) {
    const std::string& tz = in.config->shop.timezone;
    const std::string& lang = in.config->shop.language;
    Json targets = Json::array();
    Json summary = {{"has_targets", !in.customers.empty()}};
    for (const auto& [status, name] : customer_status_names)
        summary[std::string(name)] = false;
    for (const auto& c : in.customers) {
        const std::string status(to_string(c.status));
        const bool approvable =
            c.status == CustomerNotice::Status::held || c.status == CustomerNotice::Status::failed;
        Json item = {{"target", c.target},
                     {"kind", c.kind},
                     {"status", status},
                     {"at", c.at ? words::time(*c.at, tz, lang) : std::string()},
                     {"at_iso", c.at ? format_local(*c.at, tz) : std::string()},
                     {"outbox", c.outbox > 0 ? Json(c.outbox) : Json("")},
                     {"approve", approvable && c.outbox > 0
                                     ? "shopannounce --approve " + std::to_string(c.outbox)
                                     : std::string()},
                     {"hold", c.hold}};
        for (const auto& [s, name] : customer_status_names)
            item[std::string(name)] = s == c.status;
        summary[status] = true;
        targets.push_back(std::move(item));
    }
    summary["targets"] = std::move(targets);
    return summary;
}

} // namespace

std::string_view to_string(CustomerNotice::Status s) {
    return enum_name(customer_status_names, s);
}

std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language) {
    if (check != nullptr && !check->name.empty())
        return check->name;
    return words::common_check(id, language).value_or(id);
}

nlohmann::json alternatives(const Config& config, const std::string& except,
                            const std::map<CheckKey, CheckCounter>& counters) {
    return up_channels(config, except, counters, true);
}

nlohmann::json channels_up(const Config& config, const std::string& except,
                           const std::map<CheckKey, CheckCounter>& counters) {
    return up_channels(config, except, counters, false);
}

nlohmann::json notice_context(const ContextInput& in) {
    const Config& config = *in.config;
    const std::string& tz = config.shop.timezone;
    const std::string& lang = config.shop.language;
    const Incident& inc = in.incident;
    const ChannelConfig* channel = find_channel(config, inc.channel);

    nlohmann::json checks = nlohmann::json::array();
    int runs = 0;
    for (const auto& id : inc.checks) {
        checks.push_back(check_item(config, in, find_check(channel, id), id));
        if (const auto it = in.counters.find({inc.channel, id}); it != in.counters.end())
            runs = std::max(runs, it->second.fails);
    }
    const std::string checks_text = joined_names(checks, lang);
    const TimePoint end = inc.until.value_or(in.now);
    nlohmann::json incident = {
        {"id", inc.id},
        {"severity", std::string(to_string(inc.severity))},
        {"severity_text", words::severity_sentence(to_string(inc.severity), lang)},
        {"severity_label", words::severity_label(to_string(inc.severity), lang)},
        {"critical", inc.severity == Severity::critical},
        {"checks", checks},
        {"checks_text", checks_text},
        {"runs", runs > 0 ? nlohmann::json(runs) : nlohmann::json("")},
        {"since", words::time(inc.since, tz, lang)},
        {"since_iso", format_local(inc.since, tz)},
        {"duration", words::duration(std::chrono::duration_cast<Millis>(end - inc.since), lang)},
        {"timezone", local_time(inc.since, tz).zone},
        {"until", inc.until ? words::time(*inc.until, tz, lang) : std::string()},
        {"until_iso", inc.until ? format_local(*inc.until, tz) : std::string()},
        // Empty outside a sale, so {{#incident.sale}} … {{/incident.sale}} reads as "if".
        {"sale", inc.sale.value_or("")},
    };
    nlohmann::json alts = alternatives(config, inc.channel, in.counters);
    nlohmann::json up = channels_up(config, inc.channel, in.counters);
    const std::string up_text = joined_names(up, lang);
    nlohmann::json ctx = {
        {"event", in.event},
        {"opened", in.event == Event::opened},
        {"updated", in.event == Event::updated},
        {"resolved", in.event == Event::resolved},
        {"maintenance", in.event == Event::maintenance},
        {"shop",
         {{"name", config.shop.name},
          {"contact", config.shop.contact},
          {"url", config.shop.url},
          {"address", config.shop.address},
          {"language", lang}}},
        {"channel",
         {{"id", inc.channel},
          {"name", channel && !channel->name.empty() ? channel->name : inc.channel},
          {"url", channel ? channel->url : std::string()}}},
        {"incident", incident},
        {"next_update", in.next_update ? words::time(*in.next_update, tz, lang) : std::string()},
        {"has_alternatives", !alts.empty()},
        {"alternatives", alts},
        {"has_channels_up", !up.empty()},
        {"channels_up", up},
        {"channels_up_text", up_text},
        {"customers", customers_json(in)},
        {"commands",
         {{"pending", "shopannounce --pending"},
          {"runbook", config.runbook.empty() ? "" : "shoprecover --list"},
          {"confirm", inc.until ? std::string() : "shoprecover --confirm --incident " + inc.id}}},
        {"message", in.message},
        {"now", words::time(in.now, tz, lang)},
        {"now_iso", format_local(in.now, tz)},
    };
    return ctx;
}

} // namespace shopkit
