#include "lib/render/template.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/error.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace shopkit;
using shopkit::test::TempDir;

TEST_CASE("template: plain text is not HTML-escaped, HTML is") {
    const Template t{"{{shop.name}}: {{&raw}} {{text}}", "t"};
    const nlohmann::json ctx = {
        {"shop", {{"name", "A&B <Store>"}}}, {"raw", "<b>"}, {"text", "\"q\""}};
    CHECK(render_template(t, ctx) == "A&B <Store>: <b> \"q\"");
    CHECK(render_template(t, ctx, true) == "A&amp;B &lt;Store&gt;: <b> &quot;q&quot;");
    // The same escaping as render_html_page: ' as &#39; (HTML 4 has no &apos;).
    CHECK(render_template({"{{v}}", "t"}, {{"v", "it's"}}, true) == "it&#39;s");
}

TEST_CASE("template: sections, booleans, lists and list indexes") {
    const Template t{"{{#has}}[{{#alts}}{{name}}={{url}};{{/alts}}]{{/has}}{{^has}}none{{/has}}"
                     " first={{alts.0.name}} second={{alts.1.url}} missing={{alts.5.name}}",
                     "t"};
    nlohmann::json ctx = {{"has", true},
                          {"alts",
                           {{{"name", "楽天市場店"}, {"url", "https://r"}},
                            {{"name", "Amazon"}, {"url", "https://a"}}}}};
    CHECK(render_template(t, ctx) ==
          "[楽天市場店=https://r;Amazon=https://a;] first=楽天市場店 second=https://a missing=");
    ctx["has"] = false;
    ctx["alts"] = nlohmann::json::array();
    CHECK(render_template(t, ctx) == "none first= second= missing=");
}

TEST_CASE("template: a syntax error names the template") {
    const Template t{"{{#open}} never closed", "/shop/templates/opened.mustache"};
    try {
        render_template(t, nlohmann::json::object());
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == 78);
        CHECK_THAT(std::string(e.what()), Catch::Contains("/shop/templates/opened.mustache"));
    }
}

TEST_CASE("template: the shop's directory first, then kind-specific before generic") {
    TempDir dir;
    std::ofstream(dir.path() / "opened.mustache") << "shop generic";
    std::filesystem::create_directory(dir.path() / "ja");
    std::ofstream(dir.path() / "ja" / "resolved.line.mustache") << "shop ja line";
    TemplateSearch s{dir.path(), "ja"};
    CHECK(find_template(s, "opened", "x").source == "shop generic");
    const Template r = find_template(s, "resolved", "line");
    CHECK(r.source == "shop ja line");
    CHECK(r.path == (dir.path() / "ja" / "resolved.line.mustache").string());
}

TEST_CASE("template: shipped templates are built in for both languages") {
    for (const char* lang : {"ja", "en"}) {
        for (const char* event : {"opened", "updated", "resolved", "maintenance"}) {
            const Template t = find_template(TemplateSearch{std::nullopt, lang}, event, "line");
            CHECK_FALSE(t.source.empty());
            CHECK(builtin_template(std::string(lang) + "/" + event + ".mustache"));
        }
    }
    const Template ja = find_template(TemplateSearch{std::nullopt, "ja"}, "opened", "email");
    CHECK_THAT(ja.source, Catch::Contains("障害"));
}

TEST_CASE("template: no template and bad names are config errors") {
    CHECK_THROWS_AS(find_template(TemplateSearch{std::nullopt, "en"}, "exploded", "line"), Error);
    CHECK_THROWS_AS(find_template(TemplateSearch{std::nullopt, "en"}, "opened", "../../etc/passwd"),
                    Error);
}

TEST_CASE("template: an empty string is false in a section and nothing in a variable") {
    const Template t{"[{{#message}}■お知らせ\n{{message}}{{/message}}]({{message}})", "t"};
    CHECK(render_template(t, {{"message", ""}}) == "[]()");
    CHECK(render_template(t, {{"message", "明日"}}) == "[■お知らせ\n明日](明日)");
}

namespace {

// A long notice a real shop may well produce: long names, every check affected,
// two alternatives, the next update set, no message.
nlohmann::json worst_context(const std::string& language, const std::string& event) {
    const std::string long_name = language == "ja" ? "藍染手ぬぐい こうぼう 公式オンラインショップ"
                                                   : "Aizome Tenugui Workshop Online Store";
    nlohmann::json alt = nlohmann::json::array();
    for (int i = 0; i < 2; ++i)
        alt.push_back({{"id", "alt"},
                       {"name", long_name},
                       {"url", "https://www.rakuten.co.jp/aizome-koubou/"}});
    return {{"event", event},
            {event, true},
            {"shop", {{"name", long_name}, {"contact", "support@aizome-tenugui.example.jp"}}},
            {"channel", {{"id", "own"}, {"name", long_name}, {"url", "https://shop.example.jp/"}}},
            {"incident",
             {{"id", "own-20260604T0300"},
              {"severity", "critical"},
              {"severity_text", "重大な障害（ご注文いただけない状態）"},
              {"critical", true},
              {"checks_text", language == "ja" ? "トップページ、商品ページ、カート、ご注文手続き"
                                               : "top page, product pages, cart, checkout"},
              {"since", language == "ja" ? "2026年12月10日 23:59" : "10 December 2026 23:59"},
              {"until", language == "ja" ? "2026年12月11日 03:45" : "11 December 2026 03:45"},
              {"duration", language == "ja" ? "3時間46分" : "3 h 46 min"},
              {"timezone", "JST"}}},
            {"next_update", language == "ja" ? "2026年12月11日 00:59" : "11 December 2026 00:59"},
            {"has_alternatives", true},
            {"alternatives", alt},
            {"message", ""}};
}

} // namespace

TEST_CASE("template: shipped X and Bluesky notices fit their limits even for a long-named shop") {
    for (const char* lang : {"ja", "en"}) {
        for (const char* event : {"opened", "updated", "resolved", "maintenance"}) {
            INFO(lang << " " << event);
            const TemplateSearch s{std::nullopt, lang};
            const auto ctx = worst_context(lang, event);
            CHECK(x_weighted_length(render_template(find_template(s, event, "x"), ctx)) <= 280);
            CHECK(count_graphemes(render_template(find_template(s, event, "bluesky"), ctx)) <= 300);
            CHECK(mastodon_length(render_template(find_template(s, event, "mastodon"), ctx)) <=
                  500);
        }
    }
}

TEST_CASE("template: status page files come from the shop's site/, else built in") {
    TempDir dir;
    CHECK(find_site_file(std::nullopt, "index.html.mustache")->path ==
          "builtin:site/index.html.mustache");
    CHECK(find_site_file(std::nullopt, "words.ja.json"));
    CHECK_FALSE(find_site_file(dir.path(), "nothing.mustache"));
    CHECK_FALSE(find_site_file(dir.path(), "../ja/opened.mustache"));
    std::filesystem::create_directory(dir.path() / "site");
    std::ofstream(dir.path() / "site" / "badge.mustache") << "shop badge";
    const auto own = find_site_file(dir.path(), "badge.mustache");
    REQUIRE(own);
    CHECK(own->source == "shop badge");
    CHECK(own->path == (dir.path() / "site" / "badge.mustache").string());
}

TEST_CASE("template: an HTML page escapes every value, quotes too, and includes partials") {
    const Template t{"<p title=\"{{a}}\">{{> part}}</p>{{> missing}}", "page"};
    const PartialLookup partial = [](const std::string& name) -> std::optional<Template> {
        if (name == "part")
            return Template{"{{#list}}[{{.}}]{{/list}}", "part"};
        return std::nullopt;
    };
    const nlohmann::json ctx = {{"a", "x\"y'z"}, {"list", {"<b>", "&"}}};
    CHECK(render_html_page(t, ctx, partial) ==
          "<p title=\"x&quot;y&#39;z\">[&lt;b&gt;][&amp;]</p>");
    const Template broken{"{{> part}}", "page"};
    const PartialLookup bad = [](const std::string&) -> std::optional<Template> {
        return Template{"{{#open}}", "part"};
    };
    CHECK_THROWS_AS(render_html_page(broken, ctx, bad), Error);
}

TEST_CASE("template: a partial that includes itself is an error, not a stack overflow") {
    const Template page{"<p>{{> loop}}</p>", "page"};
    // Directly, through another partial, and under other delimiters.
    const PartialLookup self = [](const std::string&) -> std::optional<Template> {
        return Template{"x{{> loop}}", "loop"};
    };
    CHECK_THROWS_WITH(render_html_page(page, {}, self),
                      Catch::Contains("nested too deeply") && Catch::Contains("loop"));
    const PartialLookup pair = [](const std::string& name) -> std::optional<Template> {
        return Template{name == "loop" ? "{{> other}}" : "{{=<% %>=}}<%> loop%>", name};
    };
    CHECK_THROWS_AS(render_html_page(page, {}, pair), Error);
    // A few levels of real nesting still render.
    const PartialLookup nest = [](const std::string& name) -> std::optional<Template> {
        if (name.size() < 6)
            return Template{"(" + std::string("{{> ") + name + "x}})", name};
        return Template{"end", name};
    };
    CHECK(render_html_page(Template{"{{> l}}", "page"}, {}, nest) == "(((((end)))))");
}

TEST_CASE("template: staff targets get staff templates, customers keep theirs") {
    const auto kind = [](const char* k, bool staff) {
        return TemplateWant{k, std::nullopt, staff};
    };
    // Shipped: kind-specific staff text for Slack and Teams, generic staff text elsewhere.
    const TemplateSearch en{std::nullopt, "en"};
    CHECK(find_template(en, "opened", kind("slack", true)).path ==
          "builtin:en/opened.slack.staff.mustache");
    CHECK(find_template(en, "resolved", kind("teams", true)).path ==
          "builtin:en/resolved.teams.staff.mustache");
    CHECK(find_template(en, "updated", kind("telegram", true)).path ==
          "builtin:en/updated.staff.mustache");
    CHECK(find_template(en, "opened", kind("line", false)).path == "builtin:en/opened.mustache");
    CHECK(find_template(en, "opened", kind("x", false)).path == "builtin:en/opened.x.mustache");
    for (const char* lang : {"ja", "en"})
        for (const char* event : {"opened", "updated", "resolved", "maintenance"})
            for (const char* k : {"staff", "slack.staff", "teams.staff", "email.staff"})
                CHECK(builtin_template(std::string(lang) + "/" + event + "." + k + ".mustache"));

    // A shipped kind's own text where a generic one would not fit; staff e-mail is staff text.
    CHECK(find_template(en, "opened", kind("x", true)).path == "builtin:en/opened.x.mustache");
    CHECK(find_template(en, "opened", kind("email", true)).path ==
          "builtin:en/opened.email.staff.mustache");
    CHECK(find_template(en, "opened", kind("email", false)).path ==
          "builtin:en/opened.email.mustache");

    // The shop's own: a kind's staff text wins everywhere; then place before name, the
    // shop's generic staff text before its customers' one.
    TempDir dir;
    std::ofstream(dir.path() / "opened.mustache") << "shop customers";
    std::filesystem::create_directory(dir.path() / "en");
    std::ofstream(dir.path() / "en" / "resolved.slack.staff.mustache") << "shop en slack staff";
    const TemplateSearch shop{dir.path(), "en"};
    CHECK(find_template(shop, "opened", kind("slack", true)).path ==
          "builtin:en/opened.slack.staff.mustache");
    CHECK(find_template(shop, "opened", kind("discord", true)).source == "shop customers");
    std::ofstream(dir.path() / "opened.staff.mustache") << "shop staff";
    CHECK(find_template(shop, "opened", kind("discord", true)).source == "shop staff");
    CHECK(find_template(shop, "opened", kind("line", false)).source == "shop customers");
    CHECK(find_template(shop, "resolved", kind("slack", true)).source == "shop en slack staff");
    CHECK(find_template(shop, "resolved", kind("discord", true)).path ==
          "builtin:en/resolved.staff.mustache");

    // A target's `template` wins wherever it is.
    std::ofstream(dir.path() / "updated.oncall.mustache") << "oncall";
    CHECK(find_template(shop, "updated", TemplateWant{"slack", "oncall", true}).source == "oncall");
    CHECK(find_template(shop, "opened", TemplateWant{"discord", "nosuch", true}).source ==
          "shop staff");

    // The order itself.
    using Rounds = std::vector<std::vector<std::string>>;
    CHECK(template_rounds("opened", kind("slack", false)) ==
          Rounds{{"opened.slack.mustache", "opened.mustache"}});
    CHECK(template_rounds("opened", kind("slack", true)) ==
          Rounds{{"opened.slack.staff.mustache"},
                 {"opened.slack.mustache", "opened.staff.mustache", "opened.mustache"}});
    CHECK(template_rounds("opened", TemplateWant{"slack", "oncall", true}) ==
          Rounds{{"opened.oncall.mustache"},
                 {"opened.slack.staff.mustache"},
                 {"opened.oncall.mustache", "opened.staff.mustache", "opened.mustache"}});
    CHECK_THROWS_AS(template_rounds("opened", TemplateWant{"slack", "../x", true}), Error);
}
