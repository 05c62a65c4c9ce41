// The switch_link action: a small landing page that the shop's link-in-bio, QR
// codes, flyers and ads point to. It sends customers to `home` normally, and to
// the first healthy channel of `prefer` while `home` has an open incident.
//
// Files in the step's `dir` (created when missing), each replaced atomically:
//   index.html  a page with a meta refresh to the channel's URL and a link to it
//   link.json   {"channel","name","url","reason","incident","since"}: what it points at
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/incident.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace shopkit {

struct LinkChoice {
    std::string channel;                 // the channel id pointed at
    std::string name;                    // its name for people
    std::string url;                     // its url
    std::string reason;                  // one line for people: why this channel
    std::optional<std::string> incident; // the incident of `home` that moved it, if any
    bool away = false;                   // pointing elsewhere than `home`
};

// Where the link should point now. A channel is healthy when it has no open
// incident and every one of its checks is confirmed up (the test notices use
// for alternatives). `open` holds the open incidents by channel.
LinkChoice choose_link(const RunbookStep& step, const Config& config,
                       const std::map<std::string, Incident>& open,
                       const std::map<CheckKey, CheckCounter>& counters);

// The channel id the page in `dir` points at now (from link.json), if any.
std::optional<std::string> current_link(const std::filesystem::path& dir);

// Writes index.html (rendered from the site template link.html.mustache, a
// shop's own copy first) and link.json into `dir`. Throws std::runtime_error
// naming the file when it cannot, config_error for a broken template.
void write_link(const std::filesystem::path& dir, const Config& config, const LinkChoice& choice,
                TimePoint now);

} // namespace shopkit
