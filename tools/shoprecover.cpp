// shoprecover: the runbook that runs itself. Runs each step due for an incident
// event once (a re-run or an overlapping run never repeats a finished step),
// confirms a recovery by probing until it holds, and drills before a sale.
#include "lib/config/config.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/net/probe.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/output.hpp"
#include "lib/recover/run.hpp"

#include <fmt/core.h>

#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>

using namespace shopkit;

int main(int argc, char** argv) {
    CLI::App app{"Run the shop's runbook once per incident event, confirm recoveries, and drill "
                 "before a sale.",
                 "shoprecover"};
    std::string config_path;
    std::string state_path;
    std::string format_name;
    bool dry_run = false;
    bool list = false;
    bool confirm = false;
    bool drill = false;
    std::string incident;
    std::string wait = "30m";
    std::string interval = "30s";
    std::string sale_event;

    app.add_option("-c,--config", config_path,
                   "Configuration file (default: $SHOPKIT_CONFIG, "
                   "$XDG_CONFIG_HOME/shopkit/shop.toml, /etc/shopkit/shop.toml)");
    app.add_option("--state", state_path, "State database (overrides [shop] state)");
    app.add_option("--format", format_name,
                   "Output: text or jsonl (default: text on a terminal, else jsonl)")
        ->check(CLI::IsMember({"text", "jsonl"}));
    auto* dry_opt = app.add_flag("-n,--dry-run", dry_run,
                                 "Show the steps that are due; run and change nothing");
    auto* list_opt = app.add_flag("--list", list, "Print the runbook as a table");
    auto* confirm_opt = app.add_flag(
        "--confirm", confirm,
        "Probe the incident's channel until every check passes recover_after times in a row, "
        "then resolve it and run its resolved steps");
    auto* incident_opt =
        app.add_option("--incident", incident, "The incident to confirm (default: every open one)");
    auto* wait_opt = app.add_option("--wait", wait, "Give up confirming after this long (30m)");
    auto* interval_opt =
        app.add_option("--interval", interval, "Time between confirmation rounds (30s)");
    auto* drill_opt =
        app.add_flag("--drill", drill, "Check that every step is ready, and which channels are up");
    auto* event_opt =
        app.add_option("--event", sale_event, "The [[sales.event]] to drill for (with --drill)");
    incident_opt->needs(confirm_opt);
    wait_opt->needs(confirm_opt);
    interval_opt->needs(confirm_opt);
    event_opt->needs(drill_opt);
    for (auto* a : {dry_opt, list_opt, confirm_opt, drill_opt})
        for (auto* b : {dry_opt, list_opt, confirm_opt, drill_opt})
            if (a != b)
                a->excludes(b);
    cli::add_common_options(app);

    return cli::main(
        "shoprecover", argc, argv, app,
        [&]() -> int {
            const Config config = load_config_option(config_path);
            cli::info("config: " + config.path.string());
            if (list) {
                std::cout << runbook_table(config);
                return exit_status::ok;
            }
            // Before an outage, not during one: a missing program or a broken
            // template is a config error now.
            if (!drill)
                check_runbook(config);
            remember_runbook_secrets(config);

            RecoverOptions options;
            if (!state_path.empty())
                options.state = state_path;
            options.dry_run = dry_run;
            auto duration_of = [](const std::string& flag, const std::string& text) {
                try {
                    const Millis d = parse_duration(text);
                    if (d.count() > 0)
                        return d;
                } catch (const std::invalid_argument&) {
                }
                throw usage_error(
                    fmt::format("{} {}: not a duration (e.g. 30s, 10m, 1h)", flag, text));
            };
            options.wait = duration_of("--wait", wait);
            options.interval = duration_of("--interval", interval);
            if (!incident.empty())
                options.incident = incident;
            if (!sale_event.empty())
                options.sale_event = sale_event;
            // A filter reads records from a pipe or a file, never from a person typing.
            if (!confirm && !drill && !::isatty(STDIN_FILENO))
                options.input = &std::cin;

            const bool jsonl =
                format_name.empty() ? !::isatty(STDOUT_FILENO) : format_name == "jsonl";
            const bool color = !jsonl && cli::use_color(STDOUT_FILENO);
            RecoverSink sink;
            sink.pass = [&](const std::string& line) {
                if (jsonl) {
                    std::cout << line << '\n';
                    cli::flush_stdout();
                }
            };
            sink.record = [&](const Json& r) {
                if (jsonl)
                    write_record(std::cout, r);
                else if (cli::verbosity() >= 0)
                    std::cout << recover_text(r, color);
                cli::flush_stdout();
            };
            sink.bad_input = [](const std::string& what) { cli::error(what); };
            sink.progress = [](const std::string& line) { cli::info(line, 1); };

            Clock clock;
            int status = 0;
            if (confirm || drill) {
                CurlTransport transport;
                status = confirm ? confirm_recovery(config, options, transport, sink, clock)
                                 : drill_runbook(config, options, transport, sink, clock);
            } else {
                status = run_recover(config, options, sink, clock);
            }
            return status;
        },
        exit_status::software, exit_status::io);
}
