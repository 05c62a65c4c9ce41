// The machinery one shoprecover run shares between its modes (internal to
// lib/recover): the state, planning the step runs due for incident events,
// claiming them, running them, and the step records.
#pragma once

#include "lib/recover/execute.hpp"
#include "lib/recover/run.hpp"

#include <memory>
#include <vector>

namespace shopkit {

class Runner {
  public:
    Runner(const Config& config, const RecoverOptions& options, const RecoverSink& sink,
           const Clock& clock);

    // Opens the state (options.stores, else the file); throws Error 75 when it
    // cannot be opened.
    void open_state();

    // In the caller's transaction: adds a row for every step due for an event
    // (within the last 24 h) of every incident open or ended within 24 h and of
    // `input`; steps of an incident already over when first planned are
    // recorded as skipped, except those that run on `resolved`.
    void plan(const std::vector<IncidentEvent>& input);

    // --dry-run: a "dry-run" step record (with the rendered argv) for every
    // step run that plan() would add; nothing is written or run.
    void show_planned(const std::vector<IncidentEvent>& input);

    // Claims every due row (one transaction), runs each outside any
    // transaction, then finishes it (one transaction each).
    void run_claimed();

    // Keeps the worst exit status (78 > 65 > 75 > 0).
    void worse(int s);

    // The step record of a row (and its outcome, when it ran).
    nlohmann::json step_record(const StepRun& row, const std::string& result,
                               const StepOutcome* outcome = nullptr) const;

    const Config& config;
    const RecoverOptions& opt;
    const RecoverSink& sink;
    const Clock& clock;
    TimePoint now;
    const Stores* state = nullptr;
    int status = 0;

  private:
    struct Due {
        StepRun row;
        const RunbookStep* step;
        IncidentEvent event;
    };
    std::vector<Due> due_runs(const std::vector<IncidentEvent>& input);
    std::vector<StepRun> claim();
    void execute(StepRun& row);
    StepInput input_for(const RunbookStep& step, const IncidentEvent& event) const;
    std::optional<IncidentEvent> event_of(const StepRun& row) const;

    std::unique_ptr<StateHandle> handle_;
};

} // namespace shopkit
