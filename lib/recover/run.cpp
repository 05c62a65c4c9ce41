#include "lib/recover/run.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/execute.hpp"
#include "lib/recover/runner.hpp"
#include "lib/recover/steps.hpp"
#include "lib/state/lease.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

extern char** environ;

namespace shopkit {

namespace {

bool secret_name(std::string_view name) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return upper.find("TOKEN") != std::string::npos || upper.find("SECRET") != std::string::npos ||
           upper.find("PASSWORD") != std::string::npos || upper.ends_with("_KEY") ||
           upper.find("_KEY_") != std::string::npos;
}

void try_remember(const SecretRef& ref) {
    if (ref.empty())
        return;
    try {
        resolve_secret(ref);
    } catch (const Error&) {
        // Not set here: nothing to hide.
    }
}

} // namespace

void remember_runbook_secrets(const Config& config) {
    for (const auto& t : config.targets)
        for (const auto& [name, ref] : t.secrets)
            try_remember(ref);
    for (const auto& ch : config.channels)
        for (const auto& c : ch.checks) {
            try_remember(c.password);
            try_remember(c.token);
        }
    for (const auto& s : config.runbook) {
        try_remember(s.url_secret);
        try_remember(s.secret);
    }
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string_view::npos && secret_name(entry.substr(0, eq)))
            remember_secret(std::string(entry.substr(eq + 1)));
    }
}

int run_recover(const Config& config, const RecoverOptions& options, const RecoverSink& sink,
                const Clock& clock) {
    Runner run(config, options, sink, clock);
    const std::vector<IncidentEvent> input =
        options.input ? read_incident_events(*options.input, options.input_name, run.now, sink.pass,
                                             [&](const std::string& what) {
                                                 run.worse(exit_status::data);
                                                 if (sink.bad_input)
                                                     sink.bad_input(what);
                                             })
                      : std::vector<IncidentEvent>{};
    run.open_state();
    if (options.dry_run) {
        run.show_planned(input);
        return run.status;
    }
    run.state->transaction([&] {
        for (const auto& e : input)
            sync_incident(run.state->incidents, e);
        run.plan(input);
    });
    run.run_claimed();
    return run.status;
}

} // namespace shopkit
