#include "lib/model/step_run.hpp"

#include "lib/core/enum_names.hpp"

namespace shopkit {

namespace {
constexpr EnumNames<StepState, 5> step_state_names{{{StepState::pending, "pending"},
                                                    {StepState::running, "running"},
                                                    {StepState::ok, "ok"},
                                                    {StepState::failed, "failed"},
                                                    {StepState::skipped, "skipped"}}};
} // namespace

std::string_view to_string(StepState s) {
    return enum_name(step_state_names, s);
}

std::optional<StepState> step_state_from_string(std::string_view s) {
    return enum_value(step_state_names, s);
}

} // namespace shopkit
