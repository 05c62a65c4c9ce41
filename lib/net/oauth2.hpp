// OAuth 2.0 token renewal (RFC 6749 section 6, the refresh_token grant), as X's
// v2 API wants for a user-context token that expires: the request and the
// answer's parsing. Keeping the rotating refresh token is the caller's job.
#pragma once

#include "lib/net/http.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

struct OAuth2Client {
    std::string client_id;
    std::string client_secret; // empty for a public client
};

// Makes `request` (timeout, ca_file and url already set) the refresh_token grant:
// POST, form body grant_type=refresh_token&refresh_token=…, and either HTTP Basic
// client_id:client_secret (a confidential client) or client_id in the body (public).
void oauth2_refresh_request(HttpRequest& request, const OAuth2Client& client,
                            const std::string& refresh_token);

// A token endpoint's success answer.
struct OAuth2Tokens {
    std::string access_token;
    std::string refresh_token; // empty when the server sent none (no offline access)
    std::string scope;         // space-separated, as granted; may be empty
    std::optional<std::chrono::seconds> expires_in;
};

// The tokens of a 2xx token answer's JSON body; nullopt when it has no access_token.
std::optional<OAuth2Tokens> parse_oauth2_tokens(std::string_view body);

// "error: error_description" of a token endpoint's error body (either part may be
// missing; empty when the body is not the RFC 6749 5.2 shape). Not redacted.
std::string oauth2_error_text(std::string_view body);

} // namespace shopkit
