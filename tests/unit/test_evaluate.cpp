// evaluate() and make_request() with hand-made responses: no sockets.
#include "lib/detect/evaluate.hpp"

#include "lib/core/error.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace shopkit;
using namespace std::chrono;

namespace {

const TimePoint started = sys_days(year(2026) / June / 4) + hours(3);
const TimePoint now = started + milliseconds(900);

ChannelConfig channel() {
    ChannelConfig c;
    c.id = "own";
    c.name = "公式オンラインショップ";
    c.url = "https://shop.example.jp/";
    return c;
}

CheckConfig http_check() {
    CheckConfig c;
    c.id = "cart";
    c.url = "https://shop.example.jp/cart";
    return c;
}

Response ok(long status = 200, std::string body = "<html>カートに入れる</html>") {
    Response r;
    r.transfer_ok = true;
    r.http_status = status;
    r.body = std::move(body);
    r.timings.total = 0.8;
    r.timings.first_byte = 0.5;
    return r;
}

Response failed(std::string error, bool timed_out = false) {
    Response r;
    r.transfer_ok = false;
    r.error = std::move(error);
    r.timed_out = timed_out;
    return r;
}

CheckResult eval(const CheckConfig& check, const Response& r, TimePoint at = now) {
    return evaluate(channel(), check, r, started, at);
}

} // namespace

TEST_CASE("check: a good answer is up and carries the identity of the check") {
    CheckConfig c = http_check();
    c.critical = true;
    const auto r = eval(c, ok());
    CHECK(r.raw == State::up);
    CHECK(r.state == State::up);
    CHECK(r.error.empty());
    CHECK(r.channel == "own");
    CHECK(r.check == "cart");
    CHECK(r.kind == "http");
    CHECK(r.url == "https://shop.example.jp/cart");
    CHECK(r.time == started);
    CHECK(r.critical);
    CHECK(r.http_status == 200);
    CHECK(r.timings.total == Approx(0.8));
    CHECK_FALSE(r.tls_expiry);
}

TEST_CASE("check: the channel's url stands in for a check without one") {
    CheckConfig c = http_check();
    c.url.clear();
    CHECK(eval(c, ok()).url == "https://shop.example.jp/");
}

TEST_CASE("check: status ranges, default 200..399") {
    const CheckConfig c = http_check();
    CHECK(eval(c, ok(200)).raw == State::up);
    CHECK(eval(c, ok(204)).raw == State::up);
    CHECK(eval(c, ok(301)).raw == State::up);
    CHECK(eval(c, ok(399)).raw == State::up);
    auto r = eval(c, ok(404));
    CHECK(r.raw == State::down);
    CHECK(r.error == "HTTP 404");
    r = eval(c, ok(500));
    CHECK(r.raw == State::down);
    CHECK(r.error == "HTTP 500");
    CHECK(r.http_status == 500);
    CHECK(eval(c, ok(199)).raw == State::down);

    CheckConfig only = http_check();
    only.expect_status = {{200, 200}, {401, 403}};
    CHECK(eval(only, ok(200)).raw == State::up);
    CHECK(eval(only, ok(401)).raw == State::up);
    CHECK(eval(only, ok(403)).raw == State::up);
    CHECK(eval(only, ok(302)).raw == State::down);
    CHECK(eval(only, ok(404)).raw == State::down);
}

TEST_CASE("check: expect_text") {
    CheckConfig c = http_check();
    c.expect_text = "カートに入れる";
    CHECK(eval(c, ok()).raw == State::up);
    const auto r = eval(c, ok(200, "<html>在庫切れ</html>"));
    CHECK(r.raw == State::down);
    CHECK(r.error == "text 'カートに入れる' not found");
}

TEST_CASE("check: expect_regex") {
    CheckConfig c = http_check();
    c.expect_regex = "価格[:：]\\s*[0-9,]+円";
    CHECK(eval(c, ok(200, "<p>価格: 1,980円</p>")).raw == State::up);
    CHECK(eval(c, ok(200, "<p>価格：3,300円</p>")).raw == State::up);
    const auto r = eval(c, ok(200, "<p>価格: お問い合わせください</p>"));
    CHECK(r.raw == State::down);
    CHECK(r.error.find("not found") != std::string::npos);
    // Cached per pattern: the same pattern judged again, and another one beside it.
    CHECK(eval(c, ok(200, "<p>価格: 500円</p>")).raw == State::up);
    CheckConfig other = http_check();
    other.expect_regex = "^<p>";
    CHECK(eval(other, ok(200, "<p>x</p>")).raw == State::up);
    CHECK(eval(other, ok(200, " <p>x</p>")).raw == State::down);
}

TEST_CASE("check: a bad regex is unknown, not a crash") {
    CheckConfig c = http_check();
    c.expect_regex = "(unclosed";
    const auto r = eval(c, ok());
    CHECK(r.raw == State::unknown);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("check: reject_text finds a maintenance page served with 200") {
    CheckConfig c = http_check();
    c.reject_text = "ただいまメンテナンス中";
    c.expect_text = "カート";
    auto r = eval(c, ok(200, "<h1>ただいまメンテナンス中です</h1><a>カート</a>"));
    CHECK(r.raw == State::down);
    CHECK(r.error == "maintenance text 'ただいまメンテナンス中' found");
    // A 503 maintenance page fails by its status first.
    r = eval(c, ok(503, "<h1>ただいまメンテナンス中です</h1>"));
    CHECK(r.raw == State::down);
    CHECK(r.error == "HTTP 503");
    CHECK(eval(c, ok(200, "<a>カート</a>")).raw == State::up);
}

TEST_CASE("check: a truncated body is searched only as far as it was read") {
    CheckConfig c = http_check();
    c.expect_text = "footer";
    Response r = ok(200, "header body");
    r.truncated = true;
    const auto result = eval(c, r);
    CHECK(result.raw == State::down);
    CHECK(result.error == "text 'footer' not found");
    c.expect_text = "header";
    CHECK(eval(c, r).raw == State::up);
}

TEST_CASE("check: latency warning and critical") {
    CheckConfig c = http_check();
    c.latency_warning = Millis(1000);
    c.latency_critical = Millis(3000);
    Response r = ok();
    r.timings.total = 0.8;
    CHECK(eval(c, r).raw == State::up);
    r.timings.total = 1.5;
    auto res = eval(c, r);
    CHECK(res.raw == State::degraded);
    CHECK(res.error == "slow: 1.5s > 1s");
    r.timings.total = 3.2;
    res = eval(c, r);
    CHECK(res.raw == State::down);
    CHECK(res.error == "slow: 3.2s > 3s");

    CheckConfig fast = http_check();
    fast.latency_critical = Millis(500);
    r.timings.total = 0.812;
    res = eval(fast, r);
    CHECK(res.raw == State::down);
    CHECK(res.error == "slow: 812ms > 500ms");
}

TEST_CASE("check: a failed transfer is down with libcurl's reason") {
    const CheckConfig c = http_check();
    auto r = eval(c, failed("Failed to connect to shop.example.jp port 443: Connection refused"));
    CHECK(r.raw == State::down);
    CHECK(r.state == State::down);
    CHECK(r.error == "Failed to connect to shop.example.jp port 443: Connection refused");

    r = eval(c, failed("Maximum (5) redirects followed"));
    CHECK(r.raw == State::down);
    CHECK(r.error == "Maximum (5) redirects followed");

    CheckConfig t = http_check();
    t.timeout = Millis(10000);
    r = eval(t, failed("Operation timed out after 10001 milliseconds with 0 bytes received", true));
    CHECK(r.raw == State::down);
    CHECK(r.error == "timed out after 10s");
}

TEST_CASE("check: tls days left against the thresholds") {
    CheckConfig c = http_check();
    c.kind = "tls";
    c.days_warning = 14;
    c.days_critical = 3;
    auto with_days = [&](double days) {
        Response r = ok();
        r.cert_expiry = now + duration_cast<system_clock::duration>(duration<double>(days * 86400));
        return eval(c, r);
    };
    auto r = with_days(90);
    CHECK(r.raw == State::up);
    CHECK(r.error.empty());
    REQUIRE(r.tls_days_left);
    CHECK(*r.tls_days_left == Approx(90).epsilon(1e-6));
    REQUIRE(r.tls_expiry);

    r = with_days(14.5);
    CHECK(r.raw == State::up);
    r = with_days(14);
    CHECK(r.raw == State::degraded);
    r = with_days(10.5);
    CHECK(r.raw == State::degraded);
    CHECK(r.error.find("expires in 10 days") != std::string::npos);
    r = with_days(3);
    CHECK(r.raw == State::down);
    r = with_days(0.5);
    CHECK(r.raw == State::down);
    CHECK(r.error.find("expires in 0 days") != std::string::npos);
    r = with_days(-1);
    CHECK(r.raw == State::down);
    CHECK(r.error.find("certificate expired") == 0);
    CHECK(*r.tls_days_left < 0);
}

TEST_CASE("check: tls without certificate information") {
    CheckConfig c = http_check();
    c.kind = "tls";
    auto r = eval(c, ok());
    CHECK(r.raw == State::unknown);
    CHECK_FALSE(r.error.empty());
    CHECK_FALSE(r.tls_days_left);

    r = eval(c, failed("SSL certificate problem: self-signed certificate"));
    CHECK(r.raw == State::down);
    CHECK(r.error == "SSL certificate problem: self-signed certificate");
}

TEST_CASE("check: statuspage verdicts map to states") {
    CheckConfig c = http_check();
    c.kind = "statuspage";
    auto body = [](const char* indicator) {
        return std::string(R"({"status":{"indicator":")") + indicator +
               R"(","description":"Partial System Outage"}})";
    };
    CHECK(eval(c, ok(200, body("none"))).raw == State::up);
    CHECK(eval(c, ok(200, body("minor"))).raw == State::degraded);
    const auto r = eval(c, ok(200, body("major")));
    CHECK(r.raw == State::down);
    CHECK(r.error == "major: Partial System Outage");
    CHECK(eval(c, ok(200, body("critical"))).raw == State::down);
    CHECK(eval(c, ok(200, "<html>oops</html>")).raw == State::unknown);
}

TEST_CASE("check: an unreachable status page or feed is unknown, not down") {
    for (const char* kind : {"statuspage", "feed"}) {
        INFO(kind);
        CheckConfig c = http_check();
        c.kind = kind;
        auto r = eval(c, failed("Could not resolve host: status.example.com"));
        CHECK(r.raw == State::unknown);
        CHECK(r.error.find("unreachable: Could not resolve host") != std::string::npos);
        r = eval(c, ok(503, "{}"));
        CHECK(r.raw == State::unknown);
        CHECK(r.error.find("unreachable: HTTP 503") != std::string::npos);
        r = eval(c, failed("timeout", true));
        CHECK(r.raw == State::unknown);
        CHECK(r.error.find("timed out after 10s") != std::string::npos);
    }
}

TEST_CASE("check: feed verdicts map to feed_state") {
    CheckConfig c = http_check();
    c.kind = "feed";
    const std::string problem = R"(<rss><channel>
        <item><title>【障害】決済がつながりにくい</title><pubDate>Thu, 04 Jun 2026 11:00:00 +0900</pubDate></item>
        </channel></rss>)";
    auto r = eval(c, ok(200, problem));
    CHECK(r.raw == State::degraded);
    CHECK(r.error == "【障害】決済がつながりにくい");
    c.feed_state = "down";
    CHECK(eval(c, ok(200, problem)).raw == State::down);

    const std::string cleared = R"(<rss><channel>
        <item><title>【復旧】決済は復旧しました</title><pubDate>Thu, 04 Jun 2026 11:30:00 +0900</pubDate></item>
        <item><title>【障害】決済がつながりにくい</title><pubDate>Thu, 04 Jun 2026 11:00:00 +0900</pubDate></item>
        </channel></rss>)";
    r = eval(c, ok(200, cleared));
    CHECK(r.raw == State::up);
    CHECK(r.error.empty());

    r = eval(c, ok(200, "<html><body>not a feed</body></html>"));
    CHECK(r.raw == State::unknown);
    CHECK(r.error.find("not a feed") == 0);
}

TEST_CASE("check: make_request carries the check's settings") {
    CheckConfig c = http_check();
    c.headers = {{"X-Shop", "1"}};
    c.timeout = Millis(2500);
    c.max_body = 4096;
    c.max_redirects = 2;
    c.insecure = true;
    Request r = make_request(c);
    CHECK(r.url == c.url);
    CHECK(r.headers == c.headers);
    CHECK(r.timeout == Millis(2500));
    CHECK(r.max_body == 4096);
    CHECK(r.max_redirects == 2);
    CHECK(r.insecure);
    CHECK_FALSE(r.want_certificate);
    CHECK(r.bearer.empty());
    CHECK(r.basic_user.empty());

    c.kind = "tls";
    r = make_request(c);
    CHECK(r.want_certificate);
    CHECK(r.max_redirects == 0);
    CHECK(r.max_body == 0);
}

TEST_CASE("check: make_request reads auth secrets") {
    ::setenv("SHOPKIT_TEST_CHECK_TOKEN", "s3cret", 1);
    CheckConfig c = http_check();
    c.auth = "bearer";
    c.token.source = SecretRef::Source::env;
    c.token.name = "SHOPKIT_TEST_CHECK_TOKEN";
    CHECK(make_request(c).bearer == "s3cret");

    CheckConfig b = http_check();
    b.auth = "basic";
    b.username = "staff";
    b.password = c.token;
    Request r = make_request(b);
    CHECK(r.basic_user == "staff");
    CHECK(r.basic_password == "s3cret");

    c.token.name = "SHOPKIT_TEST_CHECK_UNSET";
    ::unsetenv("SHOPKIT_TEST_CHECK_UNSET");
    CHECK_THROWS_AS(make_request(c), Error);
}

TEST_CASE("check: a transfer that failed for want of a local resource is unknown, never down") {
    Response r = failed("Failed to connect to shop.test port 443: Too many open files");
    r.local_failure = true;
    const CheckResult res = eval(http_check(), r);
    CHECK(res.raw == State::unknown);
    CHECK(res.error.find("Too many open files") != std::string::npos);
    // The same words from the other end (no local failure) are the shop's.
    CHECK(eval(http_check(), failed("Couldn't connect to server")).raw == State::down);
}
