#include "lib/net/oauth2.hpp"

#include "lib/core/crypto.hpp"

#include <nlohmann/json.hpp>

namespace shopkit {

namespace {

std::string text_field(const nlohmann::json& j, const char* name) {
    return j.is_object() && j.contains(name) && j[name].is_string() ? j[name].get<std::string>()
                                                                    : std::string();
}

} // namespace

void oauth2_refresh_request(HttpRequest& request, const OAuth2Client& client,
                            const std::string& refresh_token) {
    request.method = "POST";
    std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "refresh_token"},
                                                               {"refresh_token", refresh_token}};
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (client.client_secret.empty()) {
        fields.emplace_back("client_id", client.client_id);
    } else {
        // RFC 6749 2.3.1: both parts encoded before they are joined.
        request.headers.emplace_back("Authorization",
                                     "Basic " + base64(percent_encode(client.client_id) + ":" +
                                                       percent_encode(client.client_secret)));
    }
    request.body = form_encode(fields);
}

std::optional<OAuth2Tokens> parse_oauth2_tokens(std::string_view body) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    OAuth2Tokens t;
    t.access_token = text_field(j, "access_token");
    if (t.access_token.empty())
        return std::nullopt;
    t.refresh_token = text_field(j, "refresh_token");
    t.scope = text_field(j, "scope");
    if (j.contains("expires_in") && j["expires_in"].is_number_integer() &&
        j["expires_in"].get<long long>() > 0)
        t.expires_in = std::chrono::seconds(j["expires_in"].get<long long>());
    return t;
}

std::string oauth2_error_text(std::string_view body) {
    const auto j = nlohmann::json::parse(body, nullptr, false);
    const std::string error = text_field(j, "error");
    const std::string description = text_field(j, "error_description");
    if (error.empty() || description.empty())
        return error + description;
    return error + ": " + description;
}

} // namespace shopkit
