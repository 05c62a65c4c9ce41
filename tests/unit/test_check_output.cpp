// shopcheck's machine formats, from a RunOutcome built by hand: tsv for awk,
// the Nagios plugin line with perfdata, Prometheus' text format, -v lines.
#include "lib/check/output.hpp"
#include "lib/config/config.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace shopkit;
using shopkit::test::at;

namespace {

Config shop() {
    return parse_config(R"(
[[channel]]
id = "own"
url = "http://shop.test/"
[[channel.check]]
id = "top"
latency_warning = "1s"
latency_critical = "3s"
[[channel.check]]
id = "cart"
url = "http://shop.test/cart"
)",
                        "shop.toml");
}

CheckResult result(const std::string& check, State raw, State state, long status, double seconds,
                   const std::string& error = "") {
    CheckResult r;
    r.channel = "own";
    r.check = check;
    r.kind = "http";
    r.url = "http://shop.test/" + (check == "top" ? std::string() : check);
    r.time = at("2026-06-04T03:00:00Z");
    r.raw = raw;
    r.state = state;
    r.http_status = status;
    r.timings.total = seconds;
    r.error = error;
    return r;
}

RunOutcome cart_down() {
    RunOutcome o;
    o.results = {result("top", State::up, State::up, 200, 0.25),
                 result("cart", State::down, State::down, 500, 0.5, "HTTP 500")};
    IncidentEvent e;
    e.event = Event::opened;
    e.incident.id = "own-20260604T0300";
    e.incident.channel = "own";
    e.incident.severity = Severity::major;
    e.incident.checks = {"cart"};
    o.events = {e};
    o.open_channels = {"own"};
    o.state_kept = true;
    o.exit_status = 2;
    return o;
}

std::string render(CheckFormat f, const RunOutcome& o) {
    std::ostringstream out;
    write_check_output(out, f, o, shop(), false);
    return out.str();
}

} // namespace

TEST_CASE("check output: --format names") {
    CHECK(check_format_from_string("nagios") == CheckFormat::nagios);
    CHECK(check_format_from_string("prometheus") == CheckFormat::prometheus);
    CHECK_FALSE(check_format_from_string("xml").has_value());
}

TEST_CASE("check output: tsv is one line a check, no header") {
    CHECK(render(CheckFormat::tsv, cart_down()) ==
          "own\ttop\tup\t200\t250\thttp://shop.test/\t\n"
          "own\tcart\tdown\t500\t500\thttp://shop.test/cart\tHTTP 500\n");
}

TEST_CASE("check output: nagios status line, perfdata with thresholds, details") {
    const std::string text = render(CheckFormat::nagios, cart_down());
    CHECK(text == "SHOPCHECK CRITICAL - 1 of 2 checks not up: own/cart down (HTTP 500) | "
                  "'own/top_time'=0.250s;1.000;3.000;0; 'own/cart_time'=0.500s;;;0;\n"
                  "own/cart: down - HTTP 500\n"
                  "incident own-20260604T0300 opened (major)\n");
    RunOutcome ok;
    ok.results = {result("top", State::up, State::up, 200, 0.1)};
    CHECK(render(CheckFormat::nagios, ok).rfind("SHOPCHECK OK - 1 check up |", 0) == 0);
    RunOutcome down;
    down.network_down = true;
    down.network_detail = "every canary failed";
    down.exit_status = 3;
    CHECK(render(CheckFormat::nagios, down) ==
          "SHOPCHECK UNKNOWN - could not check: every canary failed\n");
}

TEST_CASE("check output: nagios counts checks in the singular and the plural") {
    RunOutcome two;
    two.results = {result("top", State::up, State::up, 200, 0.1),
                   result("cart", State::up, State::up, 200, 0.1)};
    CHECK(render(CheckFormat::nagios, two).rfind("SHOPCHECK OK - 2 checks up |", 0) == 0);
    RunOutcome one_down;
    one_down.results = {result("cart", State::down, State::down, 500, 0.1, "HTTP 500")};
    one_down.exit_status = 2;
    CHECK(render(CheckFormat::nagios, one_down)
              .rfind("SHOPCHECK CRITICAL - 1 of 1 check not up: own/cart down (HTTP 500) |", 0) ==
          0);
}

TEST_CASE("check output: nagios has no '|' but the one before the perfdata") {
    // Nagios ends the text at the first '|' and has no escape for it.
    RunOutcome o;
    o.results = {result("cart", State::down, State::down, 200, 0.1,
                        "pattern '(カートに入れる|在庫切れ)' not found")};
    o.exit_status = 2;
    CHECK(render(CheckFormat::nagios, o) ==
          "SHOPCHECK CRITICAL - 1 of 1 check not up: own/cart down (pattern "
          "'(カートに入れる¦在庫切れ)' not found) | 'own/cart_time'=0.100s;;;0;\n"
          "own/cart: down - pattern '(カートに入れる¦在庫切れ)' not found\n");
}

TEST_CASE("check output: days left of a certificate, floored, the same in text and perfdata") {
    CheckResult up = result("tls", State::up, State::up, 0, 0.1);
    up.kind = "tls";
    up.tls_days_left = 29.6;
    CheckResult soon = result("cert", State::degraded, State::degraded, 0, 0.1,
                              "certificate expires in 1 day (2026-06-05T17:24:00Z)");
    soon.kind = "tls";
    soon.tls_days_left = 1.9;
    RunOutcome o;
    o.results = {up, soon};
    o.exit_status = 1;
    const std::string text = render(CheckFormat::text, o);
    CHECK(text.find("certificate valid 29 more days\n") != std::string::npos);
    const std::string nagios = render(CheckFormat::nagios, o);
    CHECK(nagios.find(" 'own/tls_days_left'=29;14:;3:;; 'own/cert_days_left'=1;14:;3:;;\n") !=
          std::string::npos);
    CHECK(nagios.find("own/cert: degraded - certificate expires in 1 day (") != std::string::npos);
    o.results[0].tls_days_left = 1.2;
    CHECK(render(CheckFormat::text, o).find("certificate valid 1 more day\n") != std::string::npos);
}

TEST_CASE("check output: prometheus families, escaped labels, open incidents") {
    RunOutcome o = cart_down();
    o.results[1].check = "a\"b\\c\nd";
    const std::string text = render(CheckFormat::prometheus, o);
    CHECK(text.find("# HELP shopkit_check_up ") != std::string::npos);
    CHECK(text.find("# TYPE shopkit_check_up gauge\n") != std::string::npos);
    CHECK(text.find("shopkit_check_up{channel=\"own\",check=\"top\"} 1\n") != std::string::npos);
    CHECK(text.find("shopkit_check_state{channel=\"own\",check=\"a\\\"b\\\\c\\nd\"} 2\n") !=
          std::string::npos);
    CHECK(text.find("shopkit_check_http_status{channel=\"own\",check=\"top\"} 200\n") !=
          std::string::npos);
    CHECK(text.find("shopkit_incident_open{channel=\"own\"} 1\n") != std::string::npos);
    CHECK(text.find("shopkit_tls_expiry") == std::string::npos);
}

TEST_CASE("check output: -v says what the run did") {
    const auto lines = describe_run(cart_down(), 1);
    CHECK(lines.at(0) == "2 checks of 1 channel, slowest 0.500s");
    CHECK(std::find(lines.begin(), lines.end(), "incident own-20260604T0300 opened") !=
          lines.end());
}

TEST_CASE("check output: no control character of a detail reaches text, tsv or nagios") {
    // A feed title that would set the terminal's title and clear the screen, with
    // CSI as C1 (U+009B) and DEL.
    RunOutcome o;
    o.results = {result("cart", State::down, State::down, 200, 0.1,
                        "\x1b]0;pwned\x07\x1b[2J障害\xc2\x9b"
                        "31m\x7f\tend")};
    o.network_detail = "\x1b[2J";
    o.exit_status = 2;
    for (CheckFormat f : {CheckFormat::text, CheckFormat::tsv, CheckFormat::nagios}) {
        const std::string out = render(f, o);
        INFO(out);
        CHECK(out.find("]0;pwned[2J障害31m end") != std::string::npos);
        for (std::size_t i = 0; i < out.size(); ++i) {
            const auto c = static_cast<unsigned char>(out[i]);
            const bool tsv_tab = f == CheckFormat::tsv && c == '\t';
            CHECK((c >= 0x20 || c == '\n' || tsv_tab));
            CHECK(c != 0x7f);
            if (c == 0xc2 && i + 1 < out.size())
                CHECK_FALSE((static_cast<unsigned char>(out[i + 1]) >= 0x80 &&
                             static_cast<unsigned char>(out[i + 1]) <= 0x9f));
        }
    }
    for (const std::string& line : describe_run(o, 2))
        CHECK(line.find('\x1b') == std::string::npos);
}
