#include "lib/config/target_kinds.hpp"

#include "lib/announce/target.hpp"
#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace shopkit;

TEST_CASE("target_kinds: one row per kind, found by its name") {
    std::set<std::string_view> names;
    for (const auto& spec : target_kinds()) {
        INFO(spec.name);
        CHECK(names.insert(spec.name).second);
        REQUIRE(find_target_kind(spec.name) == &spec);
        CHECK(&target_kind_spec(spec.kind) == &spec);
    }
    CHECK(names.size() == 13);
    CHECK(find_target_kind("myspace") == nullptr);
    CHECK(find_target_kind("LINE") == nullptr);
    CHECK(find_target_kind("") == nullptr);
    for (std::string_view kind : {"slack", "discord", "teams", "webhook"})
        CHECK(find_target_kind(kind)->url_is_secret);
    for (std::string_view kind : {"line", "email", "statuspage", "telegram"})
        CHECK_FALSE(find_target_kind(kind)->url_is_secret);
}

TEST_CASE("target_kinds: an unknown kind is refused with every name of the table") {
    CHECK(unknown_target_kind_message("myspace") ==
          "unknown target kind \"myspace\" (line, x, facebook, instagram, mastodon, bluesky, "
          "slack, discord, teams, telegram, webhook, email or statuspage)");
    try {
        parse_config("[[target]]\nid = \"t\"\nkind = \"myspace\"\n", "shop.toml");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::config);
        CHECK(std::string(e.what()) ==
              "shop.toml:3:8: unknown target kind \"myspace\" (line, x, facebook, instagram, "
              "mastodon, bluesky, slack, discord, teams, telegram, webhook, email or "
              "statuspage)");
    }
}

TEST_CASE("target_kinds: every kind of the table makes a target or names the key it needs") {
    for (const auto& spec : target_kinds()) {
        const std::string name(spec.name);
        INFO(name);
        const Config config =
            parse_config("[[target]]\nid = \"k\"\nkind = \"" + name + "\"\n", "shop.toml");
        REQUIRE(config.targets.size() == 1);
        const TargetConfig& t = config.targets[0];
        CHECK(t.kind_id == spec.kind);
        CHECK(t.kind == name);
        TargetEnv env;
        env.config = &config;
        try {
            // Not inside CHECK: Catch would take the exception as a failure.
            const auto target = make_target(t, env);
            CHECK(target != nullptr);
        } catch (const Error& e) {
            CHECK(e.status() == exit_status::config);
            CHECK_THAT(std::string(e.what()),
                       Catch::Matches("shop\\.toml:1:1: target 'k' \\(" + name + "\\) .*needs .+"));
        }
    }
}

TEST_CASE("target_kinds: make_target refuses a kind name that is not its enum's") {
    const Config config =
        parse_config("[[target]]\nid = \"s\"\nkind = \"slack\"\nurl_env = \"HOOK\"\n", "shop.toml");
    TargetConfig t = config.targets.at(0);
    TargetEnv env;
    env.config = &config;
    CHECK(make_target(t, env) != nullptr);
    t.kind = "myspace";
    CHECK_THROWS_WITH(make_target(t, env), "shop.toml:1:1: unknown target kind \"myspace\"");
}
