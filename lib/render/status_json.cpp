#include "lib/render/status_model.hpp"

#include <chrono>

namespace shopkit::status {

std::string render_json(const Site& site) {
    using J = nlohmann::ordered_json;
    const SiteSnapshot& s = site.s;
    J page = {{"name", s.shop_name},
              {"url", s.site_url.empty() ? J(nullptr) : J(s.site_url)},
              {"language", site.language},
              {"time_zone", s.timezone.empty() ? "UTC" : s.timezone},
              {"updated_at", iso(site, s.generated)}};
    const std::string ind = indicator(s);
    const std::string base = base_url(s);
    J components = J::array();
    for (const auto& ch : s.channels) {
        J checks = J::array();
        for (const auto& c : ch.checks)
            checks.push_back({{"id", c.id}, {"name", c.name}, {"state", to_string(c.state)}});
        components.push_back({{"id", ch.id},
                              {"name", ch.name},
                              {"url", ch.url.empty() ? J(nullptr) : J(ch.url)},
                              {"state", to_string(channel_state(ch))},
                              {"status", component_status(ch)},
                              {"checks", checks}});
    }
    J incidents = J::array();
    for (const auto& inc : s.incidents) {
        J updates = J::array();
        for (const auto& u : inc.updates)
            updates.push_back({{"id", u.id},
                               {"event", u.event},
                               {"title", u.title},
                               {"body", u.text},
                               {"created_at", iso(site, u.time)}});
        const bool resolved = !is_open(inc, s.generated);
        J duration = nullptr;
        if (inc.until)
            duration =
                std::chrono::duration_cast<std::chrono::seconds>(*inc.until - inc.since).count();
        incidents.push_back({{"id", inc.id},
                             {"name", incident_title(site, inc)},
                             {"component", inc.channel},
                             {"component_name", inc.channel_name},
                             {"kind", inc.kind},
                             {"impact", std::string(to_string(inc.severity))},
                             {"status", resolved ? "resolved" : "investigating"},
                             {"started_at", iso(site, inc.since)},
                             {"resolved_at", inc.until ? J(iso(site, *inc.until)) : J(nullptr)},
                             {"duration_seconds", duration},
                             {"checks", inc.checks},
                             {"shortlink", base + "index.html#incident-" + inc.id},
                             {"updates", updates}});
    }
    const J out{{"schema", 1},
                {"page", page},
                {"status", {{"indicator", ind}, {"description", indicator_description(site, ind)}}},
                {"components", components},
                {"incidents", incidents}};
    return out.dump(2) + "\n";
}

} // namespace shopkit::status
