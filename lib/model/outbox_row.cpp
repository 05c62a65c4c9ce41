#include "lib/model/outbox_row.hpp"

#include "lib/core/enum_names.hpp"

namespace shopkit {

namespace {
constexpr EnumNames<Audience, 2> audience_names{
    {{Audience::staff, "staff"}, {Audience::customers, "customers"}}};
constexpr EnumNames<OutboxState, 7> outbox_state_names{{{OutboxState::held, "held"},
                                                        {OutboxState::pending, "pending"},
                                                        {OutboxState::sending, "sending"},
                                                        {OutboxState::sent, "sent"},
                                                        {OutboxState::failed, "failed"},
                                                        {OutboxState::discarded, "discarded"},
                                                        {OutboxState::dropped, "dropped"}}};
} // namespace

std::string_view to_string(Audience a) {
    return enum_name(audience_names, a);
}

std::optional<Audience> audience_from_string(std::string_view s) {
    return enum_value(audience_names, s);
}

std::string_view to_string(OutboxState s) {
    return enum_name(outbox_state_names, s);
}

std::optional<OutboxState> outbox_state_from_string(std::string_view s) {
    return enum_value(outbox_state_names, s);
}

} // namespace shopkit
