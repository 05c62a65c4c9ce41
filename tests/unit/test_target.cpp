#include "lib/announce/target.hpp"

#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;
using shopkit::test::at;

TEST_CASE("target: every target of the shipped example config can be built") {
    const Config config =
        load_config(std::filesystem::path(SHOPKIT_SOURCE_DIR) / "share/examples/shop.toml");
    REQUIRE_FALSE(config.targets.empty());
    TargetEnv env;
    env.config = &config;
    for (const auto& t : config.targets) {
        INFO(t.id);
        CHECK_NOTHROW(make_target(t, env));
    }
}

TEST_CASE("target: a target missing a key of its kind is a config error naming it") {
    const Config config = parse_config(R"(
[[target]]
id = "fb"
kind = "facebook"
token_env = "FB_TOKEN"
)",
                                       "shop.toml");
    TargetEnv env;
    env.config = &config;
    try {
        make_target(config.targets.at(0), env);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == 78);
        CHECK_THAT(std::string(e.what()),
                   Catch::Contains("shop.toml:2") && Catch::Contains("page_id"));
    }
}

TEST_CASE("target: HTTP answers are sent, retried or failed") {
    const auto now = at("2026-06-04T03:00:00Z");
    HttpResponse r;
    r.transfer_ok = true;
    r.status = 201;
    CHECK(classify_http(r, now).outcome == SendResult::Outcome::sent);
    r.status = 503;
    r.headers = {{"retry-after", "120"}};
    auto s = classify_http(r, now);
    CHECK(s.outcome == SendResult::Outcome::retry);
    REQUIRE(s.retry_after);
    CHECK(*s.retry_after == std::chrono::seconds(120));
    r.status = 429;
    r.headers.clear();
    r.body = std::string(500, 'x') + "\nsecond line";
    s = classify_http(r, now);
    CHECK(s.outcome == SendResult::Outcome::retry);
    CHECK_FALSE(s.retry_after);
    CHECK(s.error.find('\n') == std::string::npos);
    CHECK(s.error.size() < 230);
    r.status = 401;
    CHECK(classify_http(r, now).outcome == SendResult::Outcome::failed);
    HttpResponse lost;
    lost.error = "Connection refused";
    CHECK(classify_http(lost, now).outcome == SendResult::Outcome::retry);
}

TEST_CASE("target: a body cut for the error message never splits a character") {
    HttpResponse r;
    r.transfer_ok = true;
    r.status = 400;
    r.body = std::string(199, 'a') + "障害";
    const auto s = classify_http(r, at("2026-06-04T03:00:00Z"));
    CHECK(s.error == "HTTP 400: " + std::string(199, 'a') + "…");
}

TEST_CASE("target: a secret across the cut of a body leaves no prefix in the error") {
    const std::string token = "987654321:AAFakeTokenForTheCutTest_xyz0123";
    shopkit::remember_secret(token);
    HttpResponse r;
    r.transfer_ok = true;
    r.status = 400;
    for (std::size_t offset = 180; offset < 200; ++offset) {
        r.body = std::string(offset, 'b') + token;
        const auto s = classify_http(r, at("2026-06-04T03:00:00Z"));
        CHECK(s.error.find(token.substr(0, 8)) == std::string::npos);
    }
}

TEST_CASE("target: api_base drops trailing slashes") {
    TargetConfig t;
    CHECK(api_base(t, "https://api.line.me") == "https://api.line.me");
    t.api_base = "http://127.0.0.1:8080//";
    CHECK(api_base(t, "https://api.line.me") == "http://127.0.0.1:8080");
}
