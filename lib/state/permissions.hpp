// Who may read the state file: it holds customer addresses (the outbox's
// e-mail recipients), so only its owner.
#pragma once

#include <filesystem>

namespace shopkit {

// Refuses a state file that group or others can read or write (mode & 077), or
// one in a directory they can write (mode & 022: they could replace it), with a
// config_error naming the file and the fix ("chmod 600 FILE"). When
// `named_by_option` (--state FILE), warns on stderr instead and returns. A file
// that does not exist yet, and ":memory:", pass: Database creates it 0600.
void check_state_permissions(const std::filesystem::path& path, bool named_by_option);

} // namespace shopkit
