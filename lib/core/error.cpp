#include "lib/core/error.hpp"

#include "lib/core/exit_status.hpp"

namespace shopkit {

Error::Error(int status, const std::string& message)
    : std::runtime_error(message), status_(status) {}

Error config_error(const std::string& message) {
    return Error(exit_status::config, message);
}
Error usage_error(const std::string& message) {
    return Error(exit_status::usage, message);
}
Error data_error(const std::string& message) {
    return Error(exit_status::data, message);
}

} // namespace shopkit
