#include "lib/net/oauth1.hpp"

#include "lib/core/crypto.hpp"
#include "lib/net/http.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace shopkit {

namespace {

// Decodes a query component: %XX and '+' as a space (a URL's query is
// form-encoded in practice); a malformed escape is kept as it is.
std::string form_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
                   hex_digit(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return out;
}

// RFC 5849 3.4.1.2: scheme and host lower-case, port only when not the default,
// no query, no fragment.
std::string base_url(std::string_view url, std::string_view* query) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        throw std::invalid_argument("OAuth 1.0a needs an absolute URL");
    const std::string scheme = lower(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);
    *query = {};
    if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
        *query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    const std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
        authority = authority.substr(at + 1);
    std::string host = lower(authority);
    const std::size_t colon = host.rfind(':');
    if (colon != std::string::npos && host.find(']', colon) == std::string::npos) {
        const std::string port = host.substr(colon + 1);
        if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443") ||
            port.empty())
            host.resize(colon);
    }
    return scheme + "://" + host + std::string(path);
}

} // namespace

std::string oauth1_base_string(std::string_view method, std::string_view url,
                               const OAuth1Params& form, const OAuth1Params& oauth) {
    std::string_view query;
    const std::string base = base_url(url, &query);

    // 3.4.1.3.2: every parameter encoded, then sorted by name and by value.
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (item.empty())
            continue;
        const std::size_t eq = item.find('=');
        const std::string_view name = item.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        params.emplace_back(percent_encode(form_decode(name)), percent_encode(form_decode(value)));
    }
    for (const auto& [name, value] : form)
        params.emplace_back(percent_encode(name), percent_encode(value));
    for (const auto& [name, value] : oauth)
        params.emplace_back(percent_encode(name), percent_encode(value));
    std::sort(params.begin(), params.end());

    std::string normalized;
    for (const auto& [name, value] : params) {
        if (!normalized.empty())
            normalized += '&';
        normalized += name;
        normalized += '=';
        normalized += value;
    }
    std::string upper(method);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
        return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    return upper + '&' + percent_encode(base) + '&' + percent_encode(normalized);
}

std::string oauth1_signature(std::string_view base_string, std::string_view consumer_secret,
                             std::string_view token_secret) {
    const std::string key = percent_encode(consumer_secret) + '&' + percent_encode(token_secret);
    return base64(hmac_sha1(key, base_string));
}

std::string oauth1_authorization(std::string_view method, std::string_view url,
                                 const OAuth1Credentials& credentials, std::string_view nonce,
                                 std::int64_t timestamp, const OAuth1Params& form) {
    OAuth1Params oauth = {
        {"oauth_consumer_key", credentials.consumer_key},
        {"oauth_nonce", std::string(nonce)},
        {"oauth_signature_method", "HMAC-SHA1"},
        {"oauth_timestamp", std::to_string(timestamp)},
        {"oauth_token", credentials.token},
        {"oauth_version", "1.0"},
    };
    const std::string signature =
        oauth1_signature(oauth1_base_string(method, url, form, oauth), credentials.consumer_secret,
                         credentials.token_secret);
    oauth.emplace_back("oauth_signature", signature);
    std::sort(oauth.begin(), oauth.end());

    std::string header = "OAuth ";
    bool first = true;
    for (const auto& [name, value] : oauth) {
        if (!first)
            header += ", ";
        first = false;
        header += percent_encode(name);
        header += "=\"";
        header += percent_encode(value);
        header += '"';
    }
    return header;
}

std::string oauth1_nonce() {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const std::string bytes = random_bytes(32);
    std::string out;
    out.reserve(bytes.size());
    // 256 is not a multiple of 62, so this is very slightly biased; a nonce
    // only has to be unique, not uniform.
    for (const char b : bytes)
        out += alphabet[static_cast<unsigned char>(b) % alphabet.size()];
    return out;
}

} // namespace shopkit
