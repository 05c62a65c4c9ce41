#include "lib/announce/context.hpp"

#include <fmt/core.h>

#include <array>
#include <string_view>
#include <utility>

namespace shopkit {

namespace {

struct Words {
    std::string_view id, ja, en;
};

constexpr std::array<Words, 14> common_checks = {{
    {"top", "トップページ", "top page"},
    {"home", "トップページ", "home page"},
    {"cart", "カート", "cart"},
    {"checkout", "ご注文手続き", "checkout"},
    {"payment", "お支払い", "payment"},
    {"login", "ログイン", "login"},
    {"mypage", "マイページ", "my account"},
    {"account", "マイページ", "my account"},
    {"search", "商品検索", "search"},
    {"product", "商品ページ", "product pages"},
    {"products", "商品ページ", "product pages"},
    {"api", "API", "API"},
    {"platform", "ショッピングモール・カートサービス", "the shop platform"},
    {"tls", "SSL証明書", "TLS certificate"},
}};

bool japanese(const std::string& language) {
    return language == "ja";
}

std::string severity_words(Severity s, const std::string& language) {
    if (japanese(language)) {
        switch (s) {
        case Severity::minor:
            return "一部の機能に遅延・不具合";
        case Severity::major:
            return "障害";
        case Severity::critical:
            return "重大な障害（ご注文いただけない状態）";
        }
    }
    switch (s) {
    case Severity::minor:
        return "degraded service";
    case Severity::major:
        return "outage";
    case Severity::critical:
        return "major outage (orders cannot be placed)";
    }
    return "";
}

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

std::string human_time(TimePoint t, const std::string& tz, const std::string& language) {
    const LocalTime lt = local_time(t, tz);
    if (japanese(language))
        return fmt::format("{}年{}月{}日 {:02}:{:02}", lt.year, lt.month, lt.day, lt.hour,
                           lt.minute);
    static constexpr std::array<std::string_view, 12> months = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    return fmt::format("{} {} {} {:02}:{:02}", lt.day, months[lt.month - 1], lt.year, lt.hour,
                       lt.minute);
}

std::string human_duration(Millis d, const std::string& language) {
    const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
    const long long days = minutes / (24 * 60);
    const long long hours = minutes / 60 % 24;
    const long long mins = minutes % 60;
    if (minutes < 1)
        return japanese(language) ? "1分未満" : "under a minute";
    std::string out;
    if (japanese(language)) {
        if (days)
            out += fmt::format("{}日", days);
        if (hours)
            out += fmt::format("{}時間", hours);
        if (mins)
            out += fmt::format("{}分", mins);
        return out;
    }
    auto add = [&](long long n, std::string_view unit) {
        if (!n)
            return;
        if (!out.empty())
            out += ' ';
        out += fmt::format("{} {}", n, unit);
    };
    add(days, days == 1 ? "day" : "days");
    add(hours, "h");
    add(mins, "min");
    return out;
}

std::string check_words(const CheckConfig* check, const std::string& id,
                        const std::string& language) {
    if (check != nullptr && !check->name.empty())
        return check->name;
    for (const auto& w : common_checks)
        if (w.id == id)
            return std::string(japanese(language) ? w.ja : w.en);
    return id;
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
        const std::string words = check_words(find_check(channel, id), id, lang);
        checks.push_back({{"id", id}, {"name", words}});
        if (!checks_text.empty())
            checks_text += japanese(lang) ? "、" : ", ";
        checks_text += words;
    }
    const TimePoint end = inc.until.value_or(in.now);
    nlohmann::json incident = {
        {"id", inc.id},
        {"severity", std::string(to_string(inc.severity))},
        {"severity_text", severity_words(inc.severity, lang)},
        {"critical", inc.severity == Severity::critical},
        {"checks", checks},
        {"checks_text", checks_text},
        {"since", human_time(inc.since, tz, lang)},
        {"since_iso", format_local(inc.since, tz)},
        {"duration", human_duration(std::chrono::duration_cast<Millis>(end - inc.since), lang)},
        {"timezone", local_time(inc.since, tz).zone},
        {"until", inc.until ? human_time(*inc.until, tz, lang) : std::string()},
        {"until_iso", inc.until ? format_local(*inc.until, tz) : std::string()},
    };
    nlohmann::json alts = alternatives(config, inc.channel, in.counters);
    nlohmann::json ctx = {
        {"event", in.event},
        {"opened", in.event == "opened"},
        {"updated", in.event == "updated"},
        {"resolved", in.event == "resolved"},
        {"maintenance", in.event == "maintenance"},
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
        {"next_update", in.next_update ? human_time(*in.next_update, tz, lang) : std::string()},
        {"has_alternatives", !alts.empty()},
        {"alternatives", alts},
        {"message", in.message},
        {"now", human_time(in.now, tz, lang)},
        {"now_iso", format_local(in.now, tz)},
    };
    return ctx;
}

} // namespace shopkit
