// The pure parts of the chat and social targets (mastodon, bluesky, slack,
// discord, teams, telegram, webhook): payloads, limits, link facets, record
// keys, signatures and rate-limit headers, so unit tests reach them without a
// socket. Each function is defined in the target file named in its comment.
#pragma once

#include "lib/announce/target.hpp"
#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/duration.hpp"
#include "lib/net/http.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit::targets {

// ---- shared (webhook.cpp) ----

// Throws config_error "WHERE: target 'ID' (KIND) needs 'NAME_env' or 'NAME_file'"
// when the secret NAME is not configured (reads nothing: for constructors).
void need_secret(const TargetConfig& config, const std::string& name);

// `text` with every occurrence of each secret (empty or shorter than 4 bytes
// skipped) replaced by "[secret]"; for a secret that is a URL, its path and
// query are replaced as well, so an answer echoing the path leaks nothing;
// then shopkit::redact (every secret resolved so far).
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

// The text after the subject line (notice.text's first line), leading blank
// lines dropped; empty when the text is one line.
std::string notice_body(const std::string& text);

// hmac_sha256_hex (lower-case hex HMAC-SHA256) comes from lib/core/crypto.
using shopkit::hmac_sha256_hex;

// ---- webhook (webhook.cpp) ----

// The exact JSON body the webhook target posts:
// {"incident":record,"event","target","text","subject","key"}.
std::string webhook_body(const Notice& notice);

// ---- slack (slack.cpp) ----

// Slack mrkdwn escaping: & → &amp;, < → &lt;, > → &gt; (nothing else).
std::string slack_escape(std::string_view text);
// {"text": slack_escape(text)}.
nlohmann::json slack_payload(const std::string& text);
inline constexpr std::size_t slack_limit = 40000; // code points of the escaped text

// ---- discord (discord.cpp) ----

// {"content":text,"allowed_mentions":{"parse":[]}}: no @everyone, roles or users pinged.
nlohmann::json discord_payload(const std::string& text);
// The webhook URL with wait=true added (after '?' or '&'), so the answer is the message.
std::string discord_url(const std::string& webhook);
// How long a Discord 429 asks to wait: the longer of the JSON body's retry_after
// (seconds, may be fractional) and the Retry-After header; nullopt when neither.
std::optional<Millis> discord_retry_after(const HttpResponse& response, TimePoint now);
inline constexpr std::size_t discord_limit = 2000; // code points of content

// ---- teams (teams.cpp) ----

// The Workflows webhook message: one Adaptive Card 1.4 with the subject as a bold
// wrapping TextBlock and the body (when not empty) as a wrapping TextBlock.
nlohmann::json teams_payload(const std::string& subject, const std::string& body);
inline constexpr std::size_t teams_limit = 28 * 1024; // bytes of the posted JSON (Teams: 28 KB)

// ---- telegram (telegram.cpp) ----

// {"chat_id":…,"text":…,"disable_web_page_preview":true}; chat_id is sent as a
// number when it is an integer ("-1001234"), else as a string ("@channel").
nlohmann::json telegram_payload(const std::string& chat_id, const std::string& text);
inline constexpr std::size_t telegram_limit = 4096; // UTF-16 units

// ---- mastodon (mastodon.cpp) ----

// {"status":text,"visibility":"public","language":lang} (language left out when empty).
nlohmann::json mastodon_payload(const std::string& text, const std::string& language);
// How long a 429 asks to wait: Retry-After, else X-RateLimit-Reset (an ISO 8601
// time) minus now (at least zero); nullopt when neither parses.
std::optional<Millis> mastodon_retry_after(const HttpResponse& response, TimePoint now);
inline constexpr std::size_t mastodon_limit = 500; // mastodon_length()
// A status's HTML `content` as plain text: <br> and </p> a space, every other tag
// dropped (a long link's hidden parts are kept), the entities Mastodon writes
// decoded, whitespace runs one space, trimmed.
std::string mastodon_plain_text(std::string_view html);
// True when a status's `content` shows `text` (both as mastodon_plain_text sees them).
bool mastodon_same_text(std::string_view content, std::string_view text);

// ---- bluesky (bluesky.cpp) ----

struct LinkFacet {
    std::size_t byte_start = 0; // UTF-8 byte offsets into the text, end exclusive
    std::size_t byte_end = 0;
    std::string uri;
};

// Every http:// or https:// URL in `text`: it ends before whitespace, a non-ASCII
// character, or one of <>"'`; trailing .,;:!? and an unbalanced ')' or ']' are
// not part of it. In order, never overlapping.
std::vector<LinkFacet> find_links(std::string_view text);

// The app.bsky.feed.post record: $type, text, createdAt, langs (left out when
// `language` is empty), facets (left out when there are no links) with link features.
nlohmann::json bluesky_post_record(const std::string& text, const std::string& created_at,
                                   const std::string& language);

// A TID (13 base32-sortable characters, what app.bsky.feed.post wants as record
// key) made only from `key` and `created` (whole seconds): its microseconds and
// clock id come from SHA-256 of the key, so every attempt of one notice uses the
// same record key and two notices practically never share one.
std::string bluesky_rkey(std::string_view key, TimePoint created);
// When the notice's outbox row was made (the same on every attempt, in every run),
// else the incident record's time or since, else `now`. Bluesky's record key and
// Mastodon's idempotency window both count from it.
TimePoint notice_created(const Notice& notice, const TargetEnv& env, TimePoint now);
// True for a syntactically valid TID.
bool is_tid(std::string_view s);
inline constexpr std::size_t bluesky_limit = 300;       // graphemes
inline constexpr std::size_t bluesky_byte_limit = 3000; // UTF-8 bytes (the lexicon's maxLength)

} // namespace shopkit::targets
