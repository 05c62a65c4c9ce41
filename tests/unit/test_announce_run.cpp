// shopannounce's run as a library call, against in-memory stores and a
// statuspage target writing into a temporary directory: records in, one
// outbox row per notice, sent once, bad lines reported and skipped.
#include "lib/announce/run.hpp"
#include "lib/config/config.hpp"
#include "lib/core/exit_status.hpp"

#include "fake_stores.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <sstream>

using namespace shopkit;
using shopkit::test::at;
using shopkit::test::MemoryState;
using shopkit::test::TempDir;

namespace {

class FixedClock : public Clock {
  public:
    TimePoint now() const override { return at("2026-06-04T03:05:00Z"); }
};

const char* opened =
    R"({"v":1,"type":"incident","event":"opened","id":"own-20260604T0300","channel":"own",)"
    R"("severity":"critical","checks":["cart"],"since":"2026-06-04T03:00:00Z"})";

struct Fixture {
    TempDir dir;
    Config config;
    MemoryState state;
    FixedClock clock;
    std::vector<std::string> passed, bad;
    std::vector<nlohmann::json> records;

    Fixture() {
        config = parse_config(fmt::format(R"(
[shop]
name = "テスト商店"
language = "ja"
[[channel]]
id = "own"
url = "https://shop.example.jp/"
[[channel.check]]
id = "cart"
critical = true
[[target]]
id = "page"
kind = "statuspage"
audience = "customers"
dir = "{}"
)",
                                          (dir.path() / "site").string()),
                              "shop.toml");
    }
    int run(const std::string& input) {
        std::istringstream in(input);
        AnnounceOptions options;
        options.input = &in;
        options.stores = &state.stores;
        AnnounceSink sink;
        sink.pass = [&](const std::string& line) { passed.push_back(line); };
        sink.record = [&](const nlohmann::json& r) { records.push_back(r); };
        sink.preview = [](const nlohmann::json&, const std::string&) {};
        sink.bad_input = [&](const std::string& why) { bad.push_back(why); };
        return run_announce(config, options, sink, clock);
    }
};

} // namespace

TEST_CASE("announce run: a critical incident reaches the customers' page once") {
    Fixture f;
    CHECK(f.run(std::string(opened) + "\n") == exit_status::ok);
    CHECK(f.passed == std::vector<std::string>{opened});
    REQUIRE(f.state.incidents.size() == 1); // the record brought the state up to date
    REQUIRE(f.state.rows.size() == 1);
    CHECK(f.state.rows[0].target == "page");
    CHECK(f.state.rows[0].event == Event::opened);
    CHECK(f.state.rows[0].audience == Audience::customers);
    CHECK(f.state.rows[0].state == OutboxState::sent);
    REQUIRE(f.records.size() == 1);
    CHECK(f.records[0]["result"] == "sent");
    CHECK(std::filesystem::exists(f.dir.path() / "site" / "index.html"));

    // The same record again (an overlapping cron run): nothing new is due.
    f.records.clear();
    CHECK(f.run(std::string(opened) + "\n") == exit_status::ok);
    CHECK(f.state.rows.size() == 1);
    CHECK(f.records.empty());
}

TEST_CASE("announce run: a bad line is reported and skipped, the rest still handled") {
    Fixture f;
    CHECK(f.run("not json\n" + std::string(opened) + "\n") == exit_status::data);
    REQUIRE(f.bad.size() == 1);
    CHECK(f.bad[0].rfind("<stdin>:1:", 0) == 0);
    CHECK(f.state.rows.size() == 1);
    CHECK(f.state.rows[0].state == OutboxState::sent);
}

TEST_CASE(
    "announce run: during a sale [policy.sale] customer_delay decides, and the sale is kept") {
    // A major incident that started two minutes before the clock: customer_delay 10m
    // holds the customers' notice, the sale's 0s sends it at once.
    const std::string major =
        R"({"v":1,"type":"incident","event":"opened","id":"own-20260604T0303","channel":"own",)"
        R"("severity":"major","checks":["cart"],"since":"2026-06-04T03:03:00Z","sale":"summer"})";
    const auto with_sale_from = [](Fixture& f, const char* start) {
        const Config sale = parse_config(fmt::format(R"(
[policy]
customer_delay = "10m"
[policy.sale]
customer_delay = "0s"
[[sales.event]]
name = "summer"
start = {}
end = 2026-06-05T00:00:00Z
)",
                                                     start),
                                         "sale.toml");
        f.config.policy = sale.policy;
        f.config.sales = sale.sales;
    };
    SECTION("inside the sale") {
        Fixture f;
        with_sale_from(f, "2026-06-04T03:00:00Z");
        CHECK(f.run(major + "\n") == exit_status::ok);
        REQUIRE(f.state.incidents.size() == 1);
        CHECK(f.state.incidents[0].sale == "summer");
        REQUIRE(f.state.rows.size() == 1);
        CHECK(f.state.rows[0].state == OutboxState::sent);
    }
    SECTION("before it starts") {
        Fixture f;
        with_sale_from(f, "2026-06-04T03:06:00Z");
        CHECK(f.run(major + "\n") == exit_status::ok);
        CHECK(f.state.rows.empty());
    }
}
