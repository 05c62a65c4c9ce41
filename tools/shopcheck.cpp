// shopcheck: probe every check of every sales channel once, track results
// across runs, open and resolve incidents. A monitoring plugin too: 0 OK,
// 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
#include "lib/check/output.hpp"
#include "lib/check/run.hpp"
#include "lib/config/config.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/net/probe.hpp"

#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace shopkit;

int main(int argc, char** argv) {
    CLI::App app{"Probe every sales channel of a shop once and say whether it can sell.",
                 "shopcheck"};
    std::string config_path;
    std::vector<std::string> channels;
    std::string format_name = "text";
    std::string state_path;
    bool no_state = false;
    int concurrency = 0;
    std::string timeout;
    std::vector<std::string> urls;

    app.add_option("-c,--config", config_path,
                   "Configuration file (default: $SHOPKIT_CONFIG, "
                   "$XDG_CONFIG_HOME/shopkit/shop.toml, /etc/shopkit/shop.toml)");
    app.add_option("--channel", channels, "Check only this channel (repeatable)");
    app.add_option("--format", format_name, "Output: text, jsonl, tsv, nagios or prometheus")
        ->check(CLI::IsMember({"text", "jsonl", "tsv", "nagios", "prometheus"}));
    auto* state_opt =
        app.add_option("--state", state_path, "State database (overrides [shop] state)");
    app.add_flag("--no-state", no_state, "Keep no state: judge this run alone, open no incidents")
        ->excludes(state_opt);
    app.add_option("--concurrency", concurrency, "Checks in flight at once (default 64)")
        ->check(CLI::Range(1, 10000));
    app.add_option("--timeout", timeout, "Timeout of every check, e.g. 5s (overrides the config)");
    app.add_option("url", urls, "URLs to check without a configuration (status 200-399)");
    cli::add_common_options(app);

    return cli::main(
        "shopcheck", argc, argv, app,
        [&]() -> int {
            Config config;
            RunOptions options;
            if (!urls.empty()) {
                if (!config_path.empty() || !channels.empty())
                    throw usage_error("give URLs or a configuration (-c, --channel), not both");
                config = config_from_urls(urls);
                options.keep_state = !state_path.empty();
            } else {
                config =
                    load_config_option(config_path, " (or check URLs directly: shopcheck URL...)");
                options.keep_state = !no_state;
            }
            if (!timeout.empty()) {
                Millis t;
                try {
                    t = parse_duration(timeout);
                } catch (const std::exception& e) {
                    throw usage_error("--timeout '" + timeout + "': " + e.what());
                }
                if (t.count() <= 0)
                    throw usage_error("--timeout must be more than 0");
                for (auto& channel : config.channels)
                    for (auto& check : channel.checks)
                        check.timeout = t;
                config.policy.timeout = t;
            }
            options.channels = channels;
            if (!state_path.empty())
                options.state = state_path;
            if (concurrency > 0)
                options.concurrency = concurrency;

            CurlTransport transport;
            Clock clock;
            cli::info("config: " + (config.path.empty() ? std::string("none (URLs given)")
                                                        : config.path.string()));
            const RunOutcome outcome = run_checks(config, options, transport, clock);
            for (const auto& line : describe_run(outcome, cli::verbosity()))
                cli::info(line, 1);
            const CheckFormat format = *check_format_from_string(format_name);
            if (outcome.network_down)
                cli::error("could not check: " + outcome.network_detail);
            if (!(format == CheckFormat::text && cli::verbosity() < 0))
                write_check_output(std::cout, format, outcome, config,
                                   format == CheckFormat::text && cli::use_color(STDOUT_FILENO));
            return outcome.exit_status;
        },
        exit_status::unknown, exit_status::unknown);
}
