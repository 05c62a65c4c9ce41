// shopreport: what happened, how fast the shop reacted, what it cost. Reads the
// state (never writes to it) and prints a report of a period, or the
// post-mortem draft of one incident.
#include "lib/config/config.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/files.hpp"
#include "lib/report/run.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace shopkit;

int main(int argc, char** argv) {
    CLI::App app{"Report a period's incidents, availability and estimated lost sales, or draft "
                 "the post-mortem of one incident.",
                 "shopreport"};
    std::string config_path;
    std::string state_path;
    std::string since;
    std::string until;
    std::string month;
    std::vector<std::string> channels;
    std::string format_name = "text";
    std::vector<std::string> only;
    std::string output;
    std::string incident;

    app.add_option("-c,--config", config_path,
                   "Configuration file (default: $SHOPKIT_CONFIG, "
                   "$XDG_CONFIG_HOME/shopkit/shop.toml, /etc/shopkit/shop.toml)");
    std::string records;
    auto* state_opt =
        app.add_option("--state", state_path, "State database (overrides [shop] state)");
    app.add_option("--records", records,
                   "Report from this JSON Lines log instead of the state (- for stdin)")
        ->excludes(state_opt);
    auto* since_opt = app.add_option(
        "--since", since, "Start: YYYY-MM-DD in the shop's zone, or RFC 3339 (default: 30 days)");
    auto* until_opt = app.add_option(
        "--until", until, "End: YYYY-MM-DD (that day included), or RFC 3339 (default: now)");
    auto* month_opt =
        app.add_option("--month", month, "One calendar month: YYYY-MM, or last (the month before)");
    month_opt->excludes(since_opt)->excludes(until_opt);
    app.add_option("--channel", channels, "Report only this channel (repeatable)");
    app.add_option("--format", format_name, "text (default), markdown, csv, json or html")
        ->check(CLI::IsMember({"text", "markdown", "csv", "json", "html"}));
    app.add_option("--only", only,
                   "Only this section: summary, incidents, availability or loss (repeatable)")
        ->check(CLI::IsMember({"summary", "incidents", "availability", "loss"}));
    app.add_option("-o,--output", output, "Write to FILE (replaced atomically) instead of stdout");
    auto* incident_cmd =
        app.add_subcommand("incident", "Draft the post-mortem of one incident, in Markdown");
    incident_cmd->add_option("ID", incident, "The incident's id (as in the report)")->required();
    cli::add_common_options(app);

    return cli::main(
        "shopreport", argc, argv, app,
        [&]() -> int {
            const Config config = load_config_option(config_path);
            cli::info("config: " + config.path.string());

            report::ReportRequest request;
            if (!state_path.empty())
                request.state = state_path;
            if (!since.empty())
                request.period.since = since;
            if (!until.empty())
                request.period.until = until;
            if (!month.empty())
                request.period.month = month;
            request.channels = channels;
            request.format = *report::format_from_string(format_name);
            for (const std::string& s : only)
                request.render.only.push_back(*report::section_from_string(s));
            if (!incident.empty())
                request.incident = incident;
            if (!records.empty())
                request.records = records;
            // Colour only for a person reading text on a terminal.
            request.render.color = output.empty() && request.format == report::Format::text &&
                                   cli::use_color(STDOUT_FILENO);

            const std::string document = report::make_report(config, request, Clock{}.now());
            if (output.empty()) {
                std::cout << document;
                return exit_status::ok; // cli::main flushes and checks it
            }
            const std::filesystem::path path(output);
            const std::filesystem::path dir =
                path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
            try {
                write_file_atomically(dir, path.filename().string(), document);
            } catch (const std::runtime_error& e) {
                throw Error(exit_status::software, e.what());
            }
            cli::info("wrote " + output);
            return exit_status::ok;
        },
        exit_status::software, exit_status::io);
}
