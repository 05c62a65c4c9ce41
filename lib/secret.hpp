// Secrets never live in the config file: a key NAME is given as NAME_env (an
// environment variable) or NAME_file (a file readable by its owner only).
#pragma once

#include <string>

namespace shopkit {

struct SecretRef {
    enum class Source { none, env, file };
    Source source = Source::none;
    std::string name;  // the variable's name, or the file's path
    std::string where; // "shop.toml:12:3", for messages

    bool empty() const noexcept { return source == Source::none; }
};

// Returns the secret's value (a file's content without its trailing newline).
// Throws config_error naming the variable or file (never the value) when the
// variable is unset or empty, the file is missing, or the file is readable or
// writable by group or others.
std::string resolve_secret(const SecretRef& ref);

} // namespace shopkit
