#include "lib/render/notice_context.hpp"

#include "lib/core/words.hpp"

namespace shopkit {

namespace {

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

} // namespace

std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language) {
    if (check != nullptr && !check->name.empty())
        return check->name;
    return words::common_check(id, language).value_or(id);
}

nlohmann::json alternatives(const Config& config, const std::string& except,
                            const std::map<CheckKey, CheckCounter>& counters) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& ch : config.channels) {
        if (ch.id == except || ch.url.empty())
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

nlohmann::json notice_context(const ContextInput& in) {
    const Config& config = *in.config;
    const std::string& tz = config.shop.timezone;
    const std::string& lang = config.shop.language;
    const Incident& inc = in.incident;
    const ChannelConfig* channel = find_channel(config, inc.channel);

    nlohmann::json checks = nlohmann::json::array();
    std::string checks_text;
    for (const auto& id : inc.checks) {
        const std::string name = check_words(find_check(channel, id), id, lang);
        checks.push_back({{"id", id}, {"name", name}});
        if (!checks_text.empty())
            checks_text += words::japanese(lang) ? "、" : ", ";
        checks_text += name;
    }
    const TimePoint end = inc.until.value_or(in.now);
    nlohmann::json incident = {
        {"id", inc.id},
        {"severity", std::string(to_string(inc.severity))},
        {"severity_text", words::severity_sentence(to_string(inc.severity), lang)},
        {"critical", inc.severity == Severity::critical},
        {"checks", checks},
        {"checks_text", checks_text},
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
        {"message", in.message},
        {"now", words::time(in.now, tz, lang)},
        {"now_iso", format_local(in.now, tz)},
    };
    return ctx;
}

} // namespace shopkit
