// OAuth 1.0a request signing with HMAC-SHA1 (RFC 5849), as X's v2 API wants for
// user-context requests. Only the method, the URL (with its query parameters) and
// form-encoded body parameters are signed; a JSON body is not part of the signature.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit {

struct OAuth1Credentials {
    std::string consumer_key;
    std::string consumer_secret;
    std::string token;        // the user's access token
    std::string token_secret; // the user's access token secret
};

using OAuth1Params = std::vector<std::pair<std::string, std::string>>;

// The signature base string: METHOD&encoded-base-URL&encoded-sorted-parameters,
// where the parameters are the URL's query, `form` (decoded name/value pairs of an
// application/x-www-form-urlencoded body, empty for JSON) and `oauth` (the oauth_*
// protocol parameters). The base URL is lower-cased scheme and host, without a
// default port, query or fragment.
std::string oauth1_base_string(std::string_view method, std::string_view url,
                               const OAuth1Params& form, const OAuth1Params& oauth);

// base64(HMAC-SHA1(percent(consumer_secret) & percent(token_secret), base_string)).
std::string oauth1_signature(std::string_view base_string, std::string_view consumer_secret,
                             std::string_view token_secret);

// The value of the Authorization header ("OAuth oauth_consumer_key=\"…\", …") for
// one request. `nonce` and `timestamp` (Unix seconds) are given so tests can
// reproduce a signature; use oauth1_nonce() and the clock otherwise.
std::string oauth1_authorization(std::string_view method, std::string_view url,
                                 const OAuth1Credentials& credentials, std::string_view nonce,
                                 std::int64_t timestamp, const OAuth1Params& form = {});

// 32 random alphanumeric characters (core/crypto random_bytes), unique per request.
std::string oauth1_nonce();

} // namespace shopkit
