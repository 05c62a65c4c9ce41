// Secrets never live in the config file: a key NAME is given as NAME_env (an
// environment variable) or NAME_file (a file readable by its owner only).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace shopkit {

struct SecretRef {
    enum class Source { none, env, file };
    Source source = Source::none;
    std::string name;  // the variable's name, or the file's path
    std::string where; // "shop.toml:12:3", for messages
    std::string key;   // the key that named it ("token_file"), for messages; may be empty

    bool empty() const noexcept { return source == Source::none; }
};

// Returns the secret's value (a file's content without its trailing newline).
// Throws config_error "WHERE: KEY PATH …" naming the variable or file (never the
// value) when the variable is unset or empty, or the file is missing, empty, a
// symbolic link, not a regular file (a FIFO never blocks), not owned by the
// effective user, or open to group or others (mode 0600 or stricter).
// Every value it returns is remembered for redact().
std::string resolve_secret(const SecretRef& ref);

// Remembers `value` for redact() as resolve_secret does (a URL in its parts
// too), for secrets that reach the process another way: a runbook step's
// inherited environment. Values shorter than min_redacted are ignored.
void remember_secret(const std::string& value);

// Secrets shorter than this are not redacted (they would blank common words).
inline constexpr std::size_t min_redacted = 6;
inline constexpr std::string_view redacted_mark = "[secret]";

// `text` with every secret resolved so far in this process replaced by
// "[secret]": applied to every error a program prints or records, so a token an
// API echoes back, or a webhook URL in a library's message, never leaks. Each
// secret is also matched JSON-escaped ("\/" for "/") and percent-encoded, and
// a URL's path, query and every segment of them after the host on their own.
std::string redact(std::string text);

// redact(text) cut to at most `max_bytes` bytes, never inside a UTF-8
// character, "…" appended when cut. Redacted before the cut, so a secret the cut
// would split leaves no prefix: the one way an answer's text is shortened.
std::string redact_prefix(std::string_view text, std::size_t max_bytes);

// `text` with every occurrence of `value` replaced by `mark`, scanning on after
// each replacement; unchanged when `value` is shorter than `min_size`. The one
// replacement loop behind redact(), mask_secrets and HttpClient's error texts.
std::string redact_value(std::string text, std::string_view value,
                         std::string_view mark = redacted_mark,
                         std::size_t min_size = min_redacted);

// The part of a URL after its authority ("/path?query#fragment", from the first
// '/', '?' or '#' after "scheme://"); empty when there is none or no "://".
std::string_view url_after_authority(std::string_view url);

} // namespace shopkit
