// [[runbook.step]] of shopkit.toml(5): what shoprecover does, once, when an
// incident event happens: run a command, keep the landing page pointing at a
// channel that sells, or tell the shop's own automation by webhook.
#pragma once

#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"
#include "lib/model/incident.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// What a step does: `run` a program, or a built-in action.
enum class StepAction { command, switch_link, webhook };

// "command", "switch_link", "webhook".
std::string_view to_string(StepAction a);

// One [[runbook.step]]: when it is due and what it does.
struct RunbookStep {
    std::string id;
    std::vector<Event> on{Event::opened}; // the incident events it runs for
    // Filters, each empty = any: the incident's channel, its severity, one of
    // its affected checks; `sale` true = only while a [[sales.event]] ran when
    // the incident started, false = only outside one.
    std::vector<std::string> channels;
    std::vector<Severity> severities;
    std::vector<std::string> checks;
    std::optional<bool> sale;

    StepAction action = StepAction::command;
    std::vector<std::string> run; // command: argv, each a Mustache template
    Millis timeout{std::chrono::seconds(60)};
    int retries = 5; // how many later runs may try it again after a failure

    // switch_link: the landing page in `dir`, normally pointing at `home`,
    // during an incident of it at the first healthy channel of `prefer`.
    std::filesystem::path dir;
    std::string home;
    std::vector<std::string> prefer;

    // webhook: where the incident record is POSTed (`url`, or `url_secret` when
    // the URL itself is the credential), and the HMAC-SHA256 key if any.
    std::string url;
    SecretRef url_secret;
    SecretRef secret;

    std::string where; // "FILE:LINE:COL" of the step, for messages
};

} // namespace shopkit
