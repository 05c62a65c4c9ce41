#include "lib/net/oauth2.hpp"

#include "lib/core/crypto.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;

namespace {

std::string header(const HttpRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name)
            return v;
    return {};
}

} // namespace

TEST_CASE("oauth2: a public client sends its id in the refresh_token grant's body") {
    HttpRequest r;
    r.url = "https://api.twitter.com/2/oauth2/token";
    oauth2_refresh_request(r, {"client-id_1", ""}, "rt/with+chars");
    CHECK(r.method == "POST");
    CHECK(header(r, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(header(r, "Authorization").empty());
    CHECK(r.body ==
          "grant_type=refresh_token&refresh_token=rt%2Fwith%2Bchars&client_id=client-id_1");
}

TEST_CASE("oauth2: a confidential client authenticates with HTTP Basic") {
    HttpRequest r;
    oauth2_refresh_request(r, {"cid", "c:secret"}, "rt");
    CHECK(header(r, "Authorization") == "Basic " + base64("cid:c%3Asecret"));
    CHECK(r.body == "grant_type=refresh_token&refresh_token=rt");
}

TEST_CASE("oauth2: the token answer and the error answer are read") {
    const auto t = parse_oauth2_tokens(
        R"({"token_type":"bearer","expires_in":7200,"access_token":"at2","scope":"tweet.write offline.access","refresh_token":"rt2"})");
    REQUIRE(t);
    CHECK(t->access_token == "at2");
    CHECK(t->refresh_token == "rt2");
    CHECK(t->scope == "tweet.write offline.access");
    CHECK(t->expires_in == std::chrono::seconds(7200));
    CHECK_FALSE(parse_oauth2_tokens(R"({"refresh_token":"x"})"));
    CHECK_FALSE(parse_oauth2_tokens("not json"));
    CHECK(parse_oauth2_tokens(R"({"access_token":"a"})")->refresh_token.empty());
    CHECK(
        oauth2_error_text(
            R"({"error":"invalid_grant","error_description":"Value passed for the token was invalid."})") ==
        "invalid_grant: Value passed for the token was invalid.");
    CHECK(oauth2_error_text(R"({"error":"invalid_request"})") == "invalid_request");
    CHECK(oauth2_error_text("<html>").empty());
}
