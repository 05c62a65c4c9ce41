// kind = "statuspage": a static status page written into the directory `dir`
// (index.html, status.json, feed.atom: see lib/render/status_site.hpp), for hosting
// anywhere that is not the shop. No network and no secret: the "API" is the
// file system, and every file is replaced atomically.
//
// On each notice the whole site is built again from the state:
//   - every channel of the config with its checks' confirmed states (load_counters;
//     a check never probed is "unknown");
//   - the incidents this target has told about (its outbox rows in state "sent",
//     plus the notice being sent now), active in the last 90 days. An incident
//     it was never told about (a blip below customer_delay, for a customers
//     page) does not appear: the page says what its audience was told;
//   - each such notice is an update of its incident: first line = title, the
//     rest = text, time = when the notice was queued, id = urn:uuid:<its key>
//     (the same on every render, so feed readers see each update once).
// Notices of incidents the state does not hold (a person's --event maintenance,
// or --event opened with no open incident) are built from their template
// variables; manual opened/updated notices of one channel form one incident
// until a manual resolved notice closes it.
//
// Params: dir (required), url (optional: where the page is published, for the
// feed's self link). remote_id = the directory.
#include "lib/announce/targets/kinds.hpp"

#include "lib/core/error.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/render/status_site.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

namespace shopkit::targets {

namespace {

constexpr auto window = std::chrono::hours(24 * 90);

// Title and text of a rendered notice: its first line, and the rest.
std::pair<std::string, std::string> split_notice(const std::string& text) {
    const auto nl = text.find('\n');
    if (nl == std::string::npos)
        return {text, {}};
    std::string rest = text.substr(nl + 1);
    const auto b = rest.find_first_not_of(" \t\r\n");
    return {text.substr(0, nl), b == std::string::npos ? std::string() : rest.substr(b)};
}

std::string entry_id(const std::string& key) {
    // Keys are RFC 4122 UUIDs (lib/announce/outbox new_uuid); anything else gets a derived id.
    const bool uuid = key.size() == 36 && std::all_of(key.begin(), key.end(), [](char c) {
                          return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
                      });
    return uuid ? "urn:uuid:" + key : std::string();
}

const std::string* string_at(const nlohmann::json& j, const char* a, const char* b = nullptr) {
    const nlohmann::json* p = &j;
    for (const char* k : {a, b}) {
        if (k == nullptr)
            break;
        if (!p->is_object() || !p->contains(k))
            return nullptr;
        p = &(*p)[k];
    }
    return p->is_string() ? &p->get_ref<const std::string&>() : nullptr;
}

// One notice as it is known: a sent outbox row, or the notice being sent.
struct Told {
    std::string incident;
    Event event = Event::opened;
    TimePoint time;
    SiteUpdate update;
    nlohmann::json context;
};

class StatuspageTarget : public Target {
  public:
    StatuspageTarget(const TargetConfig& config, const TargetEnv& env)
        : config_(config), env_(env), dir_(required_param(config, "dir")) {
        if (const auto it = config.params.find("url"); it != config.params.end())
            site_url_ = it->second;
    }

    SendResult send(const Notice& notice) override {
        SendResult result;
        try {
            write_status_site(dir_, render_status_site(snapshot(notice)));
            result.outcome = SendResult::Outcome::sent;
            result.remote_id = dir_.string();
        } catch (const std::exception& e) {
            // A full disk or a directory someone made unwritable: the outbox tries
            // again later, and the page catches up with everything once it can.
            result.outcome = SendResult::Outcome::retry;
            result.error = fmt::format("status page {}: {}", dir_.string(), e.what());
        }
        return result;
    }

    // The page is written as temp files renamed into dir (made when missing):
    // what must work is creating a file there.
    VerifyResult verify() override {
        namespace fs = std::filesystem;
        VerifyResult v;
        v.outcome = VerifyResult::Outcome::failed;
        std::error_code ec;
        fs::path where = dir_;
        const bool exists = fs::exists(dir_, ec);
        if (exists && !fs::is_directory(dir_, ec)) {
            v.detail = fmt::format("{} is not a directory", dir_.string());
            return v;
        }
        while (!fs::exists(where, ec) && where.has_relative_path())
            where = where.parent_path();
        const fs::path probe = where / fmt::format(".shopkit-verify-{}", ::getpid());
        const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            v.detail = fmt::format("cannot write in {}: {}", where.string(), std::strerror(errno));
            return v;
        }
        ::close(fd);
        fs::remove(probe, ec);
        v.outcome = VerifyResult::Outcome::ok;
        v.detail =
            exists ? fmt::format("{} is writable", dir_.string())
                   : fmt::format("{} will be made in {} (writable)", dir_.string(), where.string());
        return v;
    }

  private:
    TimePoint now() const { return target_now(env_); }

    const Config& config() const { return *env_.config; }

    std::string check_name(const std::string& channel, const std::string& id) const {
        const ChannelConfig* ch = config().channel(channel);
        const CheckConfig* check = nullptr;
        if (ch)
            for (const auto& c : ch->checks)
                if (c.id == id)
                    check = &c;
        return check_words(check, id, config().shop.language);
    }

    std::vector<Told> told(const Notice& notice) const {
        std::vector<Told> out;
        std::set<std::string> keys;
        if (env_.state) {
            for (const auto& row : env_.state->outbox.outbox_in_states({OutboxState::sent})) {
                if (row.target != config_.id || row.id == notice.outbox_id)
                    continue;
                Told t{row.incident, row.event, row.created, {}, {}};
                auto [title, text] = split_notice(row.text);
                t.update = {entry_id(row.key), row.created, row.event, title, text};
                t.context = nlohmann::json::parse(row.context, nullptr, false);
                keys.insert(row.key);
                out.push_back(std::move(t));
            }
        }
        if (!notice.key.empty() && keys.count(notice.key))
            return out; // already recorded as sent: an approved re-send, say
        TimePoint queued = now();
        if (env_.state && notice.outbox_id != 0)
            if (const auto row = env_.state->outbox.outbox_row(notice.outbox_id))
                queued = row->created;
        Told t{notice.incident, notice.event, queued, {}, notice.context};
        auto [title, text] = split_notice(notice.text);
        t.update = {entry_id(notice.key), queued, notice.event,
                    notice.subject.empty() ? title : notice.subject, text};
        out.push_back(std::move(t));
        return out;
    }

    // An incident the state does not hold, from a notice's template variables.
    SiteIncident from_context(const Told& t) const {
        SiteIncident inc;
        inc.id = t.incident;
        inc.kind = t.event == Event::maintenance ? "maintenance" : "incident";
        const auto* ch = string_at(t.context, "channel", "id");
        inc.channel = ch ? *ch : std::string();
        if (const auto* s = string_at(t.context, "incident", "severity"))
            inc.severity = severity_from_string(*s).value_or(Severity::major);
        const auto* since = string_at(t.context, "incident", "since_iso");
        inc.since = since ? parse_rfc3339(*since).value_or(t.time) : t.time;
        if (t.context.contains("incident") && t.context["incident"].is_object() &&
            t.context["incident"].contains("checks") && t.context["incident"]["checks"].is_array())
            for (const auto& c : t.context["incident"]["checks"])
                if (c.is_object() && c.contains("name") && c["name"].is_string())
                    inc.checks.push_back(c["name"].get<std::string>());
        return inc;
    }

    SiteSnapshot snapshot(const Notice& notice) const {
        const Config& cfg = config();
        const TimePoint at = now();
        SiteSnapshot s;
        s.shop_name = cfg.shop.name;
        s.contact = cfg.shop.contact;
        s.language = cfg.shop.language;
        s.timezone = cfg.shop.timezone;
        s.site_url = site_url_;
        s.templates = cfg.shop.templates;
        s.generated = at;

        std::map<CheckKey, CheckCounter> counters;
        if (env_.state)
            counters = env_.state->checks.load_counters();
        for (const auto& ch : cfg.channels) {
            SiteChannel sc{ch.id, ch.name.empty() ? ch.id : ch.name, ch.url, {}};
            for (const auto& c : ch.checks) {
                const auto it = counters.find({ch.id, c.id});
                sc.checks.push_back({c.id, check_words(&c, c.id, cfg.shop.language),
                                     it == counters.end() ? State::unknown : it->second.state});
            }
            s.channels.push_back(std::move(sc));
        }

        std::map<std::string, Incident> recorded;
        if (env_.state)
            for (auto& inc : env_.state->incidents.incidents_since(at - window))
                recorded.emplace(inc.id, std::move(inc));

        std::vector<Told> all = told(notice);
        std::stable_sort(all.begin(), all.end(),
                         [](const Told& a, const Told& b) { return a.time < b.time; });
        std::map<std::string, std::size_t> index;       // incident id → position in s.incidents
        std::map<std::string, std::size_t> manual_open; // channel → open manual incident
        for (const Told& t : all) {
            auto known = index.find(t.incident);
            if (known == index.end()) {
                std::optional<Incident> inc;
                if (const auto it = recorded.find(t.incident); it != recorded.end())
                    inc = it->second;
                else if (env_.state)
                    inc = env_.state->incidents.incident(t.incident);
                if (inc) {
                    SiteIncident si;
                    si.id = inc->id;
                    si.channel = inc->channel;
                    si.severity = inc->severity;
                    for (const auto& c : inc->checks)
                        si.checks.push_back(check_name(inc->channel, c));
                    si.since = inc->since;
                    si.until = inc->until;
                    known = index.emplace(t.incident, s.incidents.size()).first;
                    s.incidents.push_back(std::move(si));
                } else if (t.event == Event::maintenance) {
                    known = index.emplace(t.incident, s.incidents.size()).first;
                    s.incidents.push_back(from_context(t));
                } else {
                    // A person's notice about something the checks did not record.
                    SiteIncident si = from_context(t);
                    const auto open = manual_open.find(si.channel);
                    if (open != manual_open.end()) {
                        known = index.emplace(t.incident, open->second).first;
                    } else {
                        known = index.emplace(t.incident, s.incidents.size()).first;
                        manual_open[si.channel] = s.incidents.size();
                        s.incidents.push_back(std::move(si));
                    }
                    if (t.event == Event::resolved) {
                        s.incidents[known->second].until = t.time;
                        manual_open.erase(s.incidents[known->second].channel);
                    }
                }
            }
            s.incidents[known->second].updates.push_back(t.update);
        }

        // Channel names from the config; older than the window: left out.
        std::vector<SiteIncident> kept;
        for (auto& inc : s.incidents) {
            const ChannelConfig* ch = cfg.channel(inc.channel);
            inc.channel_name = ch && !ch->name.empty() ? ch->name : inc.channel;
            // Open incidents stay; others by their end (a maintenance notice: its last update).
            TimePoint last = inc.until.value_or(at);
            if (inc.kind == "maintenance" && !inc.updates.empty())
                last = inc.updates.back().time;
            if (last >= at - window)
                kept.push_back(std::move(inc));
        }
        s.incidents = std::move(kept); // the renderer orders them
        return s;
    }

    TargetConfig config_;
    TargetEnv env_;
    std::filesystem::path dir_;
    std::string site_url_;
};

} // namespace

std::unique_ptr<Target> make_statuspage(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<StatuspageTarget>(config, env);
}

} // namespace shopkit::targets
