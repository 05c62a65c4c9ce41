#include "lib/detect/platform_status.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace shopkit;

namespace {

std::string summary(const std::string& indicator, const std::string& description) {
    return R"({"page":{"id":"abc","name":"Platform"},"status":{"indicator":")" + indicator +
           R"(","description":")" + description + R"("},
      "components":[
        {"id":"c1","name":"Storefront","status":"operational"},
        {"id":"c2","name":"Checkout","status":"major_outage"},
        {"id":"c3","name":"Admin","status":"degraded_performance"},
        {"id":"c4","name":"API","status":"under_maintenance"},
        {"id":"c5","name":"Payments","status":"partial_outage"},
        {"id":"c6","name":"Webhooks","status":"operational"}
      ]})";
}

} // namespace

TEST_CASE("statuspage: each indicator maps to a state") {
    struct Case {
        const char* indicator;
        int state;
    };
    const Case cases[] = {
        {"none", 0}, {"minor", 1}, {"major", 2}, {"critical", 2}, {"maintenance", 1}};
    for (const Case& c : cases) {
        INFO(c.indicator);
        const auto v = judge_statuspage(summary(c.indicator, "Something"), {});
        CHECK(v.state == c.state);
        CHECK(v.detail == std::string(c.indicator) + ": Something");
    }
}

TEST_CASE("statuspage: a status.json without components works too") {
    const auto v = judge_statuspage(
        R"({"page":{"id":"x"},"status":{"indicator":"major","description":"Partial System Outage"}})",
        {});
    CHECK(v.state == 2);
    CHECK(v.detail == "major: Partial System Outage");
}

TEST_CASE("statuspage: an unknown indicator is unknown") {
    const auto v = judge_statuspage(summary("apocalypse", "?"), {});
    CHECK(v.state == 3);
    CHECK(v.detail.find("apocalypse") != std::string::npos);
}

TEST_CASE("statuspage: a components filter uses those components instead of the indicator") {
    // The page as a whole says major, but the shop only needs the storefront.
    auto v = judge_statuspage(summary("major", "Partial"), {"Storefront", "Webhooks"});
    CHECK(v.state == 0);
    CHECK(v.detail.empty());

    v = judge_statuspage(summary("none", "All fine"), {"Storefront", "Checkout"});
    CHECK(v.state == 2);
    CHECK(v.detail == "Checkout: major_outage");

    v = judge_statuspage(summary("none", ""), {"Admin"});
    CHECK(v.state == 1);
    CHECK(v.detail == "Admin: degraded_performance");

    v = judge_statuspage(summary("none", ""), {"API"});
    CHECK(v.state == 1);

    v = judge_statuspage(summary("none", ""), {"Payments", "Admin"});
    CHECK(v.state == 2);
    CHECK(v.detail == "Payments: partial_outage; Admin: degraded_performance");
}

TEST_CASE("statuspage: components may be named by id") {
    const auto v = judge_statuspage(summary("none", ""), {"c2"});
    CHECK(v.state == 2);
    CHECK(v.detail == "Checkout: major_outage");
}

TEST_CASE("statuspage: a missing component makes the verdict unknown, unless worse is known") {
    auto v = judge_statuspage(summary("none", ""), {"Storefront", "Warehouse"});
    CHECK(v.state == 3);
    CHECK(v.detail == "component 'Warehouse' not found");

    v = judge_statuspage(summary("none", ""), {"Checkout", "Warehouse"});
    CHECK(v.state == 2);
    CHECK(v.detail == "Checkout: major_outage; component 'Warehouse' not found");

    // status.json has no components at all.
    v = judge_statuspage(R"({"status":{"indicator":"none"}})", {"Checkout"});
    CHECK(v.state == 3);
}

TEST_CASE("statuspage: malformed JSON is unknown") {
    for (const char* body : {"", "{", "<html>502 Bad Gateway</html>", "{\"status\":", "\xff\xfe"}) {
        INFO(body);
        const auto v = judge_statuspage(body, {});
        CHECK(v.state == 3);
        CHECK(v.detail == "malformed JSON");
    }
}

TEST_CASE("statuspage: hostile types never throw and are unknown") {
    const char* bodies[] = {
        "[]",
        "42",
        "null",
        R"({"status":"none"})",
        R"({"status":{"indicator":1}})",
        R"({"status":{"indicator":null,"description":5}})",
        R"({"status":{}})",
        R"({})",
    };
    for (const char* body : bodies) {
        INFO(body);
        StatuspageVerdict v;
        REQUIRE_NOTHROW(v = judge_statuspage(body, {}));
        CHECK(v.state == 3);
    }
    const char* component_bodies[] = {
        R"({"components":"Checkout"})",
        R"({"components":[1,2,null,"Checkout",[]]})",
        R"({"components":[{"name":5,"status":"operational"}]})",
        R"({"components":[{"name":"Checkout","status":7}]})",
        R"({"components":[{"name":"Checkout","status":"exploded"}]})",
        R"({"components":[{"name":"Checkout"}]})",
    };
    for (const char* body : component_bodies) {
        INFO(body);
        StatuspageVerdict v;
        REQUIRE_NOTHROW(v = judge_statuspage(body, {"Checkout"}));
        CHECK(v.state == 3);
    }
}

TEST_CASE("statuspage: a deeply nested body does not crash") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    StatuspageVerdict v;
    REQUIRE_NOTHROW(v = judge_statuspage(deep, {}));
    CHECK(v.state == 3);
}

TEST_CASE("statuspage: nesting deeper than 64 is unknown, said so, and costs no stack") {
    const std::string deep(100000, '[');
    auto v = judge_statuspage(deep, {});
    CHECK(v.state == 3);
    CHECK(v.detail.find("too deeply nested") != std::string::npos);
    const std::string closed = std::string(100000, '[') + std::string(100000, ']');
    v = judge_statuspage(closed, {});
    CHECK(v.state == 3);
    CHECK(v.detail.find("too deeply nested") != std::string::npos);
    // Deep where the verdict does not look still counts: the whole body is bounded.
    const std::string nested_member = R"({"status":{"indicator":"none"},"x":)" +
                                      std::string(100, '[') + std::string(100, ']') + "}";
    CHECK(judge_statuspage(nested_member, {}).state == 3);
}

TEST_CASE("statuspage: members the verdict does not read are skipped, the rest still judged") {
    const std::string doc =
        R"({"page":{"name":"x"},"incidents":[{"k":1},{"k":2}],"status":{"indicator":"major",)"
        R"("description":"Partial System Outage","extra":[1,2]},"components":[{"id":"c1",)"
        R"("name":"Checkout","status":"major_outage","group":{"deep":[1]}}]})";
    auto v = judge_statuspage(doc, {});
    CHECK(v.state == 2);
    CHECK(v.detail == "major: Partial System Outage");
    v = judge_statuspage(doc, {"Checkout"});
    CHECK(v.state == 2);
    CHECK(v.detail == "Checkout: major_outage");
}
