// shopannounce: turn incidents into notices on every announce target (staff
// at once, customers by the policy), once each, through the outbox in the state.
#include "lib/announce/output.hpp"
#include "lib/announce/run.hpp"
#include "lib/announce/verify.hpp"
#include "lib/config/config.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/record/record.hpp"

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace shopkit;

int main(int argc, char** argv) {
    CLI::App app{"Tell staff and customers about incidents on every channel that still works, "
                 "once.",
                 "shopannounce"};
    std::string config_path;
    std::string state_path;
    std::string format_name;
    bool dry_run = false;
    bool hold = false;
    std::vector<std::string> targets;
    std::string event;
    std::string channel;
    std::string message;
    bool pending = false;
    std::int64_t approve = 0;
    std::int64_t discard = 0;
    bool verify = false;

    app.add_option("-c,--config", config_path,
                   "Configuration file (default: $SHOPKIT_CONFIG, "
                   "$XDG_CONFIG_HOME/shopkit/shop.toml, /etc/shopkit/shop.toml)");
    app.add_option("--state", state_path, "State database (overrides [shop] state)");
    app.add_option("--format", format_name,
                   "Output: text or jsonl (default: text on a terminal, else jsonl)")
        ->check(CLI::IsMember({"text", "jsonl"}));
    app.add_flag("-n,--dry-run", dry_run,
                 "Render every notice that is due and show it; send and change nothing");
    app.add_flag("--hold", hold, "Queue customer notices for a person to approve");
    app.add_option("--target", targets, "Only this target (repeatable)");
    auto* event_opt = app.add_option("--event", event,
                                     "Announce this now: opened, updated, "
                                     "resolved or maintenance")
                          ->check(CLI::IsMember({"opened", "updated", "resolved", "maintenance"}));
    auto* channel_opt = app.add_option("--channel", channel, "The channel --event is about");
    auto* message_opt = app.add_option("--message", message, "Words of your own for the notice");
    event_opt->needs(channel_opt);
    channel_opt->needs(event_opt);
    message_opt->needs(event_opt);
    auto* pending_opt =
        app.add_flag("--pending", pending, "List notices that are held, queued or failed");
    auto* approve_opt =
        app.add_option("--approve", approve, "Send this held (or failed) notice now")
            ->check(CLI::PositiveNumber);
    auto* discard_opt = app.add_option("--discard", discard, "Drop this held or queued notice")
                            ->check(CLI::PositiveNumber);
    auto* verify_opt = app.add_flag("--verify", verify,
                                    "Check that every target (or each --target) could post now, "
                                    "with read-only calls; post nothing");
    for (auto* a : {pending_opt, approve_opt, discard_opt, verify_opt})
        for (auto* b : {pending_opt, approve_opt, discard_opt, event_opt, verify_opt})
            if (a != b)
                a->excludes(b);
    for (auto* other : {app.get_option("--dry-run"), app.get_option("--hold")})
        verify_opt->excludes(other);
    cli::add_common_options(app);

    return cli::main(
        "shopannounce", argc, argv, app,
        [&]() -> int {
            const Config config = load_config_option(config_path);
            cli::info("config: " + config.path.string());

            const bool jsonl =
                format_name.empty() ? !::isatty(STDOUT_FILENO) : format_name == "jsonl";
            const bool color = !jsonl && cli::use_color(STDOUT_FILENO);
            Clock clock;

            if (verify) {
                // Reads no records and opens no state: nothing is queued or posted.
                bool headed = false;
                return run_verify(
                    config, targets,
                    [&](const Json& row) {
                        if (jsonl) {
                            write_record(std::cout, row);
                        } else if (cli::verbosity() >= 0) {
                            if (!std::exchange(headed, true))
                                std::cout << verify_header();
                            std::cout << verify_text(row, color);
                        }
                        cli::flush_stdout();
                    },
                    clock);
            }

            AnnounceOptions options;
            if (!state_path.empty())
                options.state = state_path;
            options.dry_run = dry_run;
            options.hold = hold;
            options.targets = targets;
            if (!event.empty()) {
                options.event = event_from_string(event);
                options.channel = channel;
                options.message = message;
            }
            options.list_pending = pending;
            if (approve > 0)
                options.approve = approve;
            if (discard > 0)
                options.discard = discard;
            // A filter reads records from a pipe or a file, never from a person typing.
            const bool admin = pending || approve > 0 || discard > 0 || !event.empty();
            if (!admin && !::isatty(STDIN_FILENO))
                options.input = &std::cin;

            AnnounceSink sink;
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
                    std::cout << announcement_text(r, color);
                cli::flush_stdout();
            };
            sink.preview = [&](const Json& r, const std::string& preview) {
                if (jsonl) {
                    Json copy = r;
                    copy["preview"] = preview;
                    write_record(std::cout, copy);
                } else {
                    std::cout << preview_text(r, preview);
                }
                cli::flush_stdout();
            };
            sink.bad_input = [](const std::string& what) { cli::error(what); };

            return run_announce(config, options, sink, clock);
        },
        exit_status::software, exit_status::io);
}
