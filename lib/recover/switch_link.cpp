#include "lib/recover/switch_link.hpp"

#include "lib/core/files.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/render/template.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace shopkit {

namespace {

using Json = nlohmann::json;

LinkChoice choice_for(const ChannelConfig& channel, std::string reason) {
    return {channel.id, channel.name.empty() ? channel.id : channel.name, channel.url,
            std::move(reason), std::nullopt};
}

} // namespace

LinkChoice choose_link(const RunbookStep& step, const Config& config,
                       const std::map<std::string, Incident>& open,
                       const std::map<CheckKey, CheckCounter>& counters) {
    const ChannelConfig& home = *config.channel(step.home);
    const auto home_incident = open.find(home.id);
    if (home_incident == open.end())
        return choice_for(home, fmt::format("{} has no open incident", home.id));

    // Confirmed up and not in an incident of its own.
    const Json up = alternatives(config, home.id, counters);
    auto healthy = [&](const std::string& id) {
        if (open.count(id))
            return false;
        return std::any_of(up.begin(), up.end(), [&](const Json& a) { return a["id"] == id; });
    };
    for (const auto& id : step.prefer) {
        if (!healthy(id))
            continue;
        LinkChoice c =
            choice_for(*config.channel(id), fmt::format("{} is down ({}); {} is up", home.id,
                                                        home_incident->second.id, id));
        c.incident = home_incident->second.id;
        c.away = true;
        return c;
    }
    LinkChoice c = choice_for(home, fmt::format("{} is down ({}) and no channel of 'prefer' is up",
                                                home.id, home_incident->second.id));
    c.incident = home_incident->second.id;
    return c;
}

std::optional<std::string> current_link(const std::filesystem::path& dir) {
    std::ifstream in(dir / "link.json");
    if (!in)
        return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    const Json j = Json::parse(text.str(), nullptr, false);
    if (!j.is_object() || !j.contains("channel") || !j["channel"].is_string())
        return std::nullopt;
    return j["channel"].get<std::string>();
}

void write_link(const std::filesystem::path& dir, const Config& config, const LinkChoice& choice,
                TimePoint now) {
    Json link = {{"channel", choice.channel},
                 {"name", choice.name},
                 {"url", choice.url},
                 {"reason", choice.reason},
                 {"since", format_local(now, config.shop.timezone)}};
    if (choice.incident)
        link["incident"] = *choice.incident;

    const auto tmpl = find_site_file(config.shop.templates, "link.html.mustache");
    if (!tmpl)
        throw std::runtime_error("no site template link.html.mustache");
    Json page = link;
    page["shop"] = {{"name", config.shop.name}};
    page["ja"] = config.shop.language == "ja";
    page["lang"] = config.shop.language;
    page["away"] = choice.away;
    const std::string html =
        render_html_page(*tmpl, page, [](const std::string&) { return std::nullopt; });

    make_directories(dir);
    // The page first: link.json is what says the switch happened.
    write_file_atomically(dir, "index.html", html);
    write_file_atomically(dir, "link.json", link.dump(2) + "\n");
    sync_directory(dir);
}

} // namespace shopkit
