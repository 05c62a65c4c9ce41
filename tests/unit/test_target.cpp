#include "lib/announce/target.hpp"
#include "lib/announce/verify.hpp"

#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

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

TEST_CASE("target: graph_version must be v<digits>.<digits>, refused at load") {
    const auto load = [](const std::string& version) {
        return parse_config("[[target]]\nid = \"fb\"\nkind = \"facebook\"\npage_id = \"1\"\n"
                            "graph_version = \"" +
                                version + "\"\n",
                            "shop.toml");
    };
    CHECK(load("v25.0").targets.at(0).params.at("graph_version") == "v25.0");
    for (const char* bad : {"19.0", "v19", "v19.0/../x", "v.1", "v1.", "V19.0", "v1234.0"}) {
        INFO(bad);
        try {
            load(bad);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.status() == 78);
            CHECK_THAT(std::string(e.what()),
                       Catch::Contains("shop.toml:5") && Catch::Contains("graph_version"));
        }
    }
}

TEST_CASE("target: verify answers ok, failed or not verifiable without posting") {
    const auto now = at("2026-06-04T03:00:00Z");
    HttpResponse r;
    r.transfer_ok = true;
    r.status = 200;
    CHECK(verify_http(r, "LINE", now).outcome == VerifyResult::Outcome::ok);
    r.status = 401;
    r.body = R"({"message":"Authentication failed"})";
    auto v = verify_http(r, "LINE", now);
    CHECK(v.outcome == VerifyResult::Outcome::failed);
    CHECK_THAT(v.detail,
               Catch::StartsWith("LINE: HTTP 401") && Catch::Contains("Authentication failed"));
    // A server that does not answer fails too: the notice would not go out now.
    HttpResponse lost;
    lost.error = "Connection refused";
    v = verify_http(lost, "X", now);
    CHECK(v.outcome == VerifyResult::Outcome::failed);
    CHECK_THAT(v.detail, Catch::Contains("X did not answer") && Catch::Contains("refused"));

    // A webhook kind has no read-only call: not verifiable, and no secret read.
    const Config config = parse_config(R"(
[[target]]
id = "hook"
kind = "slack"
url_env = "SHOPKIT_TEST_UNSET_SLACK_URL"
)",
                                       "shop.toml");
    TargetEnv env;
    env.config = &config;
    const auto hook = make_target(config.targets.at(0), env);
    v = hook->verify();
    CHECK(v.outcome == VerifyResult::Outcome::not_verifiable);
    CHECK_THAT(v.detail, Catch::Contains("without posting"));
}

TEST_CASE("target: the status page's verify writes nothing but a probe it removes") {
    const auto dir =
        std::filesystem::temp_directory_path() / ("shopkit-verify-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto verify_dir = [&](const std::filesystem::path& where) {
        TargetConfig t;
        t.where = "shop.toml:1";
        t.id = "status";
        t.kind = "statuspage";
        t.kind_id = TargetKind::statuspage;
        t.params["dir"] = where.string();
        return make_target(t, TargetEnv{})->verify();
    };
    auto v = verify_dir(dir);
    CHECK(v.outcome == VerifyResult::Outcome::ok);
    CHECK(std::filesystem::is_empty(dir));
    v = verify_dir(dir / "site" / "public");
    CHECK(v.outcome == VerifyResult::Outcome::ok);
    CHECK_THAT(v.detail, Catch::Contains("will be made"));
    CHECK(std::filesystem::is_empty(dir));
    { std::ofstream(dir / "file") << "x"; }
    v = verify_dir(dir / "file");
    CHECK(v.outcome == VerifyResult::Outcome::failed);
    CHECK_THAT(v.detail, Catch::Contains("not a directory"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("target: SMTP verify against nothing listening fails, never throws") {
    SmtpLogin login;
    login.url = "smtp://127.0.0.1:1";
    login.timeout = std::chrono::seconds(5);
    const VerifyResult v = verify_smtp(login);
    CHECK(v.outcome == VerifyResult::Outcome::failed);
    CHECK_THAT(v.detail, Catch::StartsWith("SMTP: "));
}
