#include "lib/report/run.hpp"

#include "lib/core/error.hpp"
#include "lib/report/records.hpp"
#include "lib/state/permissions.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace shopkit::report {

std::string make_report(const Config& config, const ReportRequest& request, TimePoint now) {
    std::filesystem::path path =
        request.state ? *request.state : config.shop.state.value_or(default_state_path());
    std::unique_ptr<StateHandle> handle;
    if (request.records) {
        // The log replayed into a state of its own, in memory: the report is
        // made the same way, and nothing on disk changes.
        handle = open_sqlite_state(":memory:");
        path = *request.records == "-" ? "<stdin>" : *request.records;
        if (*request.records == "-") {
            load_records(std::cin, "<stdin>", config, handle->stores(), now);
        } else {
            std::ifstream in(*request.records, std::ios::binary);
            if (!in)
                throw data_error(
                    fmt::format("{}: cannot read: {}", *request.records, std::strerror(errno)));
            load_records(in, *request.records, config, handle->stores(), now);
        }
    } else {
        check_state_permissions(path, request.state.has_value());
        try {
            handle = open_sqlite_state_read_only(path);
        } catch (const std::runtime_error& e) {
            // The report's one input: without it there is nothing to read, which
            // is bad input, not a failure of shopreport.
            throw data_error(e.what());
        }
    }
    const Stores& state = handle->stores();

    if (request.incident) {
        const auto inc = state.incidents.incident(*request.incident);
        if (!inc)
            throw usage_error(fmt::format("incident {}: no such incident in {}", *request.incident,
                                          path.string()));
        ReportOptions options;
        options.now = now;
        options.channels = {inc->channel};
        const TimePoint end =
            std::max(inc->until.value_or(now), inc->since) + std::chrono::seconds(1);
        options.period = {inc->since, end};
        const Report report = build_report(config, state, options);
        const auto found =
            std::find_if(report.incidents.begin(), report.incidents.end(),
                         [&](const IncidentReport& r) { return r.incident.id == inc->id; });
        if (found == report.incidents.end())
            throw usage_error(fmt::format("incident {}: its channel {} is not in {}", inc->id,
                                          inc->channel, config.path.string()));
        return postmortem(report, *found);
    }

    ReportOptions options;
    options.now = now;
    options.channels = request.channels;
    options.period = parse_period(request.period, now, config.shop.timezone);
    const Report report = build_report(config, state, options);
    return render(report, request.format, request.render);
}

} // namespace shopkit::report
