// The hashes, MACs, encodings and random identifiers shopkit needs, all on
// OpenSSL's libcrypto, so no other file hand-writes or calls them directly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

// The raw 32-byte HMAC-SHA256 of `data` keyed with `key`.
// Throws Error(exit_status::software) when OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view data);
// hmac_sha256 as 64 lower-case hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// The raw 20-byte HMAC-SHA1 of `data` keyed with `key` (OAuth 1.0a signatures).
// Throws Error(exit_status::software) when OpenSSL fails.
std::string hmac_sha1(std::string_view key, std::string_view data);
// The raw 32-byte SHA-256 digest of `data`. Throws Error(exit_status::software)
// when OpenSSL fails.
std::string sha256(std::string_view data);

// `bytes` as lower-case hex, two digits a byte.
std::string to_hex(std::string_view bytes);

// Standard base64 (RFC 4648, with padding, on one line).
std::string base64(std::string_view data);
// The bytes of standard base64 `text` (padding required when the length needs
// it); nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

// `n` cryptographically random bytes. Throws Error(exit_status::software) when
// OpenSSL's RAND_bytes fails.
std::string random_bytes(std::size_t n);

// A random RFC 4122 version 4 UUID, lower-case ("xxxxxxxx-xxxx-4xxx-yxxx-…").
// Throws Error(exit_status::software) when no random bytes can be had.
std::string new_uuid();

// The namespaces of RFC 4122, appendix C, in the canonical text form uuid_v5 takes.
inline constexpr std::string_view uuid_namespace_dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
inline constexpr std::string_view uuid_namespace_url = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

// The name-based (version 5, SHA-1) RFC 4122 UUID of `name` in `namespace_uuid`
// (canonical text, either case), lower-case: the same name always gives the same id.
// Throws std::invalid_argument for a malformed namespace, Error(exit_status::software)
// when OpenSSL fails.
std::string uuid_v5(std::string_view namespace_uuid, std::string_view name);

// The value of one hexadecimal digit (either case), or -1 for any other character.
int hex_digit(char c);

} // namespace shopkit
