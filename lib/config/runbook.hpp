// [[runbook.step]] of shopkit.toml(5): commands run when an incident opens or
// is resolved.
#pragma once

#include "lib/core/duration.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace shopkit {

// One [[runbook.step]]: a command and when to run it.
struct RunbookStep {
    std::string id;
    std::string on = "opened";         // opened | resolved
    std::vector<std::string> run;      // argv; Mustache variables allowed
    std::vector<std::string> channels; // empty = all
    Millis timeout{std::chrono::seconds(60)};
    std::string where;
};

} // namespace shopkit
