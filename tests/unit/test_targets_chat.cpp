// The pure parts of the chat and social targets (lib/announce/targets/chat_payloads.hpp),
// and their refusals, which need no network and no secret.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/core/error.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace shopkit;
using namespace shopkit::targets;
using namespace std::chrono_literals;
using shopkit::test::at;

namespace {

HttpResponse answer(long status, std::string body, Headers headers = {}) {
    HttpResponse r;
    r.transfer_ok = true;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

TargetConfig target(const std::string& kind) {
    TargetConfig c;
    c.id = kind + "-1";
    c.kind = kind;
    c.where = "shop.toml:40:1";
    for (const char* name : {"url", "token", "password"})
        c.secrets[name] =
            SecretRef{SecretRef::Source::env, "SHOPKIT_TEST_UNSET_SECRET", "shop.toml:41:1"};
    return c;
}

Notice notice(std::string text) {
    Notice n;
    n.incident = "own-20260604T0300";
    n.event = Event::opened;
    n.target = "t";
    n.key = "0b5a3a52-3b8e-4c8e-9a4e-1f2d3c4b5a69";
    n.subject = text.substr(0, text.find('\n'));
    n.text = std::move(text);
    n.record = {{"v", 1}, {"type", "incident"}, {"id", "own-20260604T0300"}};
    return n;
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

} // namespace

TEST_CASE("targets_chat: HMAC-SHA256 matches the RFC 4231 and well-known vectors") {
    CHECK(hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog") ==
          "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
    // RFC 4231 test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(webhook_signature("Jefe", "what do ya want for nothing?") ==
          "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("targets_chat: the webhook body carries the record and the rendered notice") {
    Notice n = notice("【障害のお知らせ】\n本文です");
    n.target = "hook";
    const auto body = nlohmann::json::parse(webhook_body(n));
    CHECK(body["incident"] == n.record);
    CHECK(body["event"] == "opened");
    CHECK(body["target"] == "hook");
    CHECK(body["text"] == "【障害のお知らせ】\n本文です");
    CHECK(body["subject"] == "【障害のお知らせ】");
    CHECK(body["key"] == n.key);
    // Not ASCII-escaped: the signature is over these very bytes.
    CHECK(webhook_body(n).find("障害") != std::string::npos);
}

TEST_CASE("targets_chat: Slack escapes exactly &, < and >") {
    CHECK(slack_escape("a & b <c> *d*") == "a &amp; b &lt;c&gt; *d*");
    CHECK(slack_escape("カート") == "カート");
    CHECK(slack_payload("<!channel>") == nlohmann::json{{"text", "&lt;!channel&gt;"}});
}

TEST_CASE("targets_chat: Discord pings nobody and waits for the message") {
    const auto p = discord_payload("@everyone down");
    CHECK(p["content"] == "@everyone down");
    CHECK(p["allowed_mentions"]["parse"] == nlohmann::json::array());
    CHECK(discord_url("https://discord.com/api/webhooks/1/abc") ==
          "https://discord.com/api/webhooks/1/abc?wait=true");
    CHECK(discord_url("https://discord.com/api/webhooks/1/abc?thread_id=9") ==
          "https://discord.com/api/webhooks/1/abc?thread_id=9&wait=true");
}

TEST_CASE("targets_chat: Discord's 429 wait is the longer of body and header") {
    const TimePoint now = at("2026-06-04T03:00:00Z");
    CHECK(discord_retry_after(answer(429, R"({"retry_after": 1.25, "global": false})"), now) ==
          Millis{1250});
    CHECK(discord_retry_after(answer(429, R"({"retry_after": 0.5})", {{"retry-after", "2"}}),
                              now) == Millis{2000});
    CHECK(discord_retry_after(answer(429, R"({"retry_after": 7.5})", {{"retry-after", "2"}}),
                              now) == Millis{7500});
    CHECK_FALSE(discord_retry_after(answer(429, "not json"), now));
}

TEST_CASE("targets_chat: the Teams card has the subject bold and the body wrapped") {
    const auto p = teams_payload("Subject", "Body line\nsecond");
    CHECK(p["type"] == "message");
    REQUIRE(p["attachments"].size() == 1);
    const auto& a = p["attachments"][0];
    CHECK(a["contentType"] == "application/vnd.microsoft.card.adaptive");
    CHECK(a["contentUrl"].is_null());
    const auto& card = a["content"];
    CHECK(card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json");
    CHECK(card["type"] == "AdaptiveCard");
    CHECK(card["version"] == "1.4");
    REQUIRE(card["body"].size() == 2);
    CHECK(card["body"][0]["type"] == "TextBlock");
    CHECK(card["body"][0]["text"] == "Subject");
    CHECK(card["body"][0]["weight"] == "Bolder");
    CHECK(card["body"][0]["wrap"] == true);
    CHECK(card["body"][1]["text"] == "Body line\nsecond");
    CHECK(card["body"][1]["wrap"] == true);
    CHECK(teams_payload("Only", "")["attachments"][0]["content"]["body"].size() == 1);
}

TEST_CASE("targets_chat: the body is what follows the subject line") {
    CHECK(notice_body("Subject\n\nBody\nmore") == "Body\nmore");
    CHECK(notice_body("Subject\nBody") == "Body");
    CHECK(notice_body("Subject") == "");
    CHECK(notice_body("Subject\n  \n") == "");
}

TEST_CASE("targets_chat: Telegram chat ids are numbers unless they are names") {
    CHECK(telegram_payload("-1001234567890", "x")["chat_id"] == -1001234567890LL);
    CHECK(telegram_payload("42", "x")["chat_id"] == 42);
    CHECK(telegram_payload("@shop_news", "x")["chat_id"] == "@shop_news");
    CHECK(telegram_payload("-", "x")["chat_id"] == "-");
    const auto p = telegram_payload("1", "hello");
    CHECK(p["text"] == "hello");
    CHECK(p["disable_web_page_preview"] == true);
}

TEST_CASE("targets_chat: the Mastodon status is public and says its language") {
    const auto p = mastodon_payload("text", "ja");
    CHECK(p == nlohmann::json{{"status", "text"}, {"visibility", "public"}, {"language", "ja"}});
    CHECK_FALSE(mastodon_payload("text", "").contains("language"));
}

TEST_CASE("targets_chat: Mastodon's 429 waits for Retry-After, else X-RateLimit-Reset") {
    const TimePoint now = at("2026-06-04T03:00:00Z");
    CHECK(mastodon_retry_after(answer(429, "", {{"retry-after", "30"}}), now) == Millis{30000});
    CHECK(mastodon_retry_after(answer(429, "", {{"x-ratelimit-reset", "2026-06-04T03:05:00.000Z"}}),
                               now) == Millis{300000});
    CHECK(mastodon_retry_after(answer(429, "", {{"x-ratelimit-reset", "2026-06-04T02:00:00Z"}}),
                               now) == Millis{0});
    CHECK_FALSE(mastodon_retry_after(answer(429, ""), now));
}

TEST_CASE("targets_chat: links are found with their UTF-8 byte offsets") {
    const std::string text = "本店: https://shop.example.jp/cart。楽天 (https://r.example/x_(y)) "
                             "http://a.example/b, xhttp://no.example";
    const auto links = find_links(text);
    REQUIRE(links.size() == 3);
    CHECK(links[0].uri == "https://shop.example.jp/cart");
    CHECK(links[0].byte_start == std::string("本店: ").size());
    CHECK(links[0].byte_end == links[0].byte_start + links[0].uri.size());
    CHECK(links[1].uri == "https://r.example/x_(y)");
    CHECK(links[2].uri == "http://a.example/b");
    for (const auto& l : links)
        CHECK(text.substr(l.byte_start, l.byte_end - l.byte_start) == l.uri);
    CHECK(find_links("see https://x.example/a.").at(0).uri == "https://x.example/a");
    CHECK(find_links("https:// alone").empty());
    CHECK(find_links("no links here").empty());
}

TEST_CASE("targets_chat: the Bluesky record has link facets in bytes") {
    const std::string text =
        "🛒 止まっています https://shop.example.jp/ を見てください";
    const auto r = bluesky_post_record(text, "2026-06-04T03:00:03Z", "ja");
    CHECK(r["$type"] == "app.bsky.feed.post");
    CHECK(r["text"] == text);
    CHECK(r["createdAt"] == "2026-06-04T03:00:03Z");
    CHECK(r["langs"] == nlohmann::json::array({"ja"}));
    REQUIRE(r["facets"].size() == 1);
    const auto& f = r["facets"][0];
    const std::size_t start =
        std::string("🛒 止まっています ").size(); // 4 + 1 + 21 + 1 = 27
    CHECK(start == 27);
    CHECK(f["index"]["byteStart"] == start);
    CHECK(f["index"]["byteEnd"] == start + std::string("https://shop.example.jp/").size());
    CHECK(f["features"][0]["$type"] == "app.bsky.richtext.facet#link");
    CHECK(f["features"][0]["uri"] == "https://shop.example.jp/");
    CHECK_FALSE(bluesky_post_record("no link", "t", "").contains("facets"));
    CHECK_FALSE(bluesky_post_record("no link", "t", "").contains("langs"));
}

TEST_CASE("targets_chat: the Bluesky record key is a TID fixed by the notice key") {
    const TimePoint created = at("2026-06-04T03:00:03Z");
    const std::string a = bluesky_rkey("0b5a3a52-3b8e-4c8e-9a4e-1f2d3c4b5a69", created);
    CHECK(is_tid(a));
    CHECK(a == bluesky_rkey("0b5a3a52-3b8e-4c8e-9a4e-1f2d3c4b5a69", created));
    CHECK(a != bluesky_rkey("0b5a3a52-3b8e-4c8e-9a4e-1f2d3c4b5a6a", created));
    // The timestamp is the creation second: decode it back.
    std::uint64_t v = 0;
    for (char c : a)
        v = v * 32 + std::string_view("234567abcdefghijklmnopqrstuvwxyz").find(c);
    const std::uint64_t micros = v >> 10;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(created.time_since_epoch()).count();
    CHECK(micros / 1000000 == static_cast<std::uint64_t>(seconds));
    // Keys made a second apart sort in order, as TIDs should.
    CHECK(bluesky_rkey("k", created) < bluesky_rkey("k", created + 1s));
    std::set<std::string> keys;
    for (int i = 0; i < 200; ++i)
        keys.insert(bluesky_rkey("key-" + std::to_string(i), created));
    CHECK(keys.size() == 200);
    CHECK_FALSE(is_tid("3jzfcijpj2z2"));  // 12 characters
    CHECK_FALSE(is_tid("kjzfcijpj2z2a")); // the top bit set
    CHECK_FALSE(is_tid("3jzfcijpj2z21")); // '1' is not in the alphabet
    CHECK(is_tid("3jzfcijpj2z2a"));
}

TEST_CASE("targets_chat: secrets are masked in messages, URL paths too") {
    const std::string url = "https://hooks.example/services/T000/B000/XXXXSECRET";
    CHECK(mask_secrets("HTTP 404 at " + url, {url}) == "HTTP 404 at [secret]");
    CHECK(mask_secrets("no such path /services/T000/B000/XXXXSECRET", {url}) ==
          "no such path [secret]");
    CHECK(mask_secrets("token 123456:ABCdef in it", {"123456:ABCdef"}) == "token [secret] in it");
    CHECK(mask_secrets("short ab", {"ab", ""}) == "short ab");
}

TEST_CASE("targets_chat: a target's timeout comes from its config") {
    TargetConfig c = target("slack");
    CHECK(target_timeout(c) == Millis{30000});
    c.params["timeout"] = "5s";
    CHECK(target_timeout(c) == Millis{5000});
    c.params["timeout"] = "soon";
    CHECK_THROWS_AS(target_timeout(c), Error);
}

TEST_CASE("targets_chat: each kind refuses a notice over its limit, naming the count") {
    TargetEnv env;
    SECTION("discord: 2,000 characters") {
        auto t = make_discord(target("discord"), env);
        CHECK_FALSE(t->refuse(notice(repeat("あ", 2000))));
        const auto why = t->refuse(notice(repeat("あ", 2001)));
        REQUIRE(why);
        CHECK(*why == "Discord counts 2001 of 2000 characters");
    }
    SECTION("slack: 40,000 characters after escaping") {
        auto t = make_slack(target("slack"), env);
        CHECK_FALSE(t->refuse(notice(repeat("a", 40000))));
        const auto why = t->refuse(notice(repeat("a", 39999) + "&"));
        REQUIRE(why);
        CHECK(why->find("40004 of 40000") != std::string::npos);
    }
    SECTION("telegram: 4,096 UTF-16 units") {
        TargetConfig c = target("telegram");
        c.params["chat_id"] = "-100123";
        auto t = make_telegram(c, env);
        CHECK_FALSE(t->refuse(notice(repeat("a", 4096))));
        const auto why = t->refuse(notice(repeat("😀", 2049))); // 4,098 units
        REQUIRE(why);
        CHECK(why->find("4098 of 4096") != std::string::npos);
    }
    SECTION("mastodon: 500, a URL as 23") {
        TargetConfig c = target("mastodon");
        c.api_base = "https://mastodon.example";
        auto t = make_mastodon(c, env);
        CHECK_FALSE(
            t->refuse(notice(repeat("x", 470) + " https://example.com/" + repeat("long", 50))));
        const auto why = t->refuse(notice(repeat("x", 501)));
        REQUIRE(why);
        CHECK(why->find("501 of 500") != std::string::npos);
    }
    SECTION("bluesky: 300 graphemes") {
        TargetConfig c = target("bluesky");
        c.params["handle"] = "shop.example.com";
        auto t = make_bluesky(c, env);
        CHECK_FALSE(t->refuse(notice(repeat("あ", 300))));
        const auto why = t->refuse(notice(repeat("あ", 301)));
        REQUIRE(why);
        CHECK(why->find("301 of 300 graphemes") != std::string::npos);
    }
    SECTION("teams: 28 KiB of message") {
        auto t = make_teams(target("teams"), env);
        CHECK_FALSE(t->refuse(notice("subject\n" + repeat("a", 20000))));
        CHECK(t->refuse(notice("subject\n" + repeat("a", 30000))));
    }
}

TEST_CASE("targets_chat: missing keys are config errors at construction, not at send") {
    TargetEnv env;
    TargetConfig m = target("mastodon");
    CHECK_THROWS_WITH(make_mastodon(m, env), Catch::Contains("needs 'api_base'"));
    TargetConfig s = target("slack");
    s.secrets.clear();
    CHECK_THROWS_WITH(make_slack(s, env), Catch::Contains("needs 'url_env' or 'url_file'"));
    TargetConfig tg = target("telegram");
    CHECK_THROWS_AS(make_telegram(tg, env), Error); // no chat_id
    TargetConfig b = target("bluesky");
    CHECK_THROWS_AS(make_bluesky(b, env), Error); // no handle
    // A secret is read only when sending: construction with an unset variable works.
    TargetConfig w = target("webhook");
    CHECK_NOTHROW(make_webhook(w, env));
}

TEST_CASE("mastodon: a status's HTML content is compared with the notice as text") {
    const std::string html =
        "<p>【障害のお知らせ】テスト商店<br />カートが使えません (A&amp;B &lt;cart&gt; "
        "&quot;x&quot; it&#39;s)</p><p>詳しくは <a href=\"https://status.example.jp/own-1\" "
        "rel=\"nofollow noopener noreferrer\" target=\"_blank\"><span "
        "class=\"invisible\">https://</span><span class=\"ellipsis\">status.example.jp/"
        "</span><span class=\"invisible\">own-1</span></a> をご覧ください。</p>";
    CHECK(mastodon_plain_text(html) ==
          "【障害のお知らせ】テスト商店 カートが使えません (A&B <cart> \"x\" it's) 詳しくは "
          "https://status.example.jp/own-1 をご覧ください。");
    CHECK(mastodon_same_text(html, "【障害のお知らせ】テスト商店\nカートが使えません (A&B <cart> "
                                   "\"x\" it's)\n\n詳しくは https://status.example.jp/own-1 "
                                   "をご覧ください。\n"));
    CHECK_FALSE(mastodon_same_text(html, "【復旧のお知らせ】テスト商店"));
    CHECK_FALSE(mastodon_same_text("<p>a b</p>", "ab"));
}
