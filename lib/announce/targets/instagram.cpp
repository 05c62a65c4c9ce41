// Instagram (a professional account) through the Graph API
// (https://graph.facebook.com, `api_base` overrides it). Every post needs an
// image: `image_url` from the config, a public URL Instagram fetches itself; the
// caption is the notice.
//
//   POST {base}/{v}/{user_id}/media                  (form; {v}: graph_version, e.g. v26.0)
//        image_url=URL&caption=TEXT&access_token=TOKEN      -> {"id":CONTAINER}
//   POST {base}/{v}/{user_id}/media_publish          (form)
//        creation_id=CONTAINER&access_token=TOKEN           -> {"id":MEDIA}
// and with `story = true` also a Story of the same image (no caption):
//   POST {base}/{v}/{user_id}/media   media_type=STORIES&image_url=URL&access_token=TOKEN
//   POST {base}/{v}/{user_id}/media_publish   creation_id=CONTAINER&access_token=TOKEN
//
// --verify: GET {base}/{v}/{user_id}?fields=id,username&access_token=TOKEN, then
// GET image_url itself (not through the shop's checks): Instagram fetches the
// image when it posts, so it must answer 200 with an image/* type from outside.
// An image on the shop's own host is said to be one: when the shop is down, the
// very notice about it could not be posted.
//
// Content-Type: application/x-www-form-urlencoded; secret `token` (a token with
// instagram_content_publish). Errors: {"error":{"message","code","error_subcode"}};
// codes 4, 17, 32, 613, 80002 are rate limits, 1 and 2 temporary, 9007 (subcode
// 2207027) "media not ready yet": publishing is tried again after a short wait.
// A caption is at most 2,200 characters with at most 30 hashtags.
//
// Retries: every step that succeeded is remembered in the state under the
// outbox row (as pseudo-recipients "instagram:feed-container:ID",
// "instagram:feed:MEDIA", "instagram:story-container:ID", "instagram:story:MEDIA"),
// so a retry after the feed post went out but the Story failed publishes only
// the Story, and a retry after a lost publish answer reuses the container. The
// Graph API has no idempotency key: when the publish call itself timed out after
// Instagram accepted it, the retry can post a second time.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <map>
#include <set>
#include <thread>

namespace shopkit::targets {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t max_caption = 2200;
constexpr std::size_t max_hashtags = 30;
constexpr int publish_tries = 4;          // media not ready: try again this often
constexpr Millis not_ready_wait = 1500ms; // between those tries
constexpr std::string_view marker = "instagram:";

bool truthy(const TargetConfig& config, const char* name) {
    const auto it = config.params.find(name);
    return it != config.params.end() && (it->second == "true" || it->second == "1");
}

std::size_t count_hashtags(std::string_view text) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool start =
            i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n' || text[i - 1] == '\t';
        if (start && (text[i] == '#' || text.substr(i, 3) == "\xef\xbc\x83") &&
            i + 1 < text.size() && text[i + 1] != ' ' && text[i + 1] != '#')
            ++n;
    }
    return n;
}

// The host of an http(s) URL, lower-cased, without user or port.
std::string host_of(std::string_view url) {
    const auto scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return {};
    url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (const auto at = url.rfind('@'); at != std::string_view::npos)
        url.remove_prefix(at + 1);
    if (!url.empty() && url.front() != '[')
        url = url.substr(0, url.find(':'));
    std::string host(url);
    for (char& c : host)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return host;
}

struct Step {
    SendResult result;     // outcome of the call
    std::string id;        // the "id" it returned
    long long code = 0;    // Graph error code
    long long subcode = 0; // Graph error_subcode
};

class InstagramTarget final : public HttpTarget {
  public:
    InstagramTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://graph.facebook.com")),
          user_id_(required_param(config, "user_id")), version_(graph_prefix(config)),
          story_(truthy(config, "story")) {
        if (const auto it = config.params.find("image_url"); it != config.params.end())
            image_url_ = it->second;
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        if (image_url_.empty())
            return fmt::format("Instagram needs an image for every post: set image_url in "
                               "target '{}'",
                               config_.id);
        const std::size_t chars = count_code_points(notice.text);
        if (chars > max_caption)
            return fmt::format("Instagram counts {} of {} caption characters; shorten the "
                               "notice",
                               chars, max_caption);
        const std::size_t tags = count_hashtags(notice.text);
        if (tags > max_hashtags)
            return fmt::format("Instagram allows {} hashtags in a caption, not {}", max_hashtags,
                               tags);
        return std::nullopt;
    }

    std::string preview(const Notice& notice) const override {
        std::string out = "[image: " + image_url_ + "]\n" + notice.text;
        if (story_)
            out += "\n[and a Story of the image]";
        return out;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string token = required_secret(config_, "token");
        Progress& done = progress(notice);

        SendResult feed = publish(notice, "feed", done,
                                  {{"image_url", image_url_}, {"caption", notice.text}}, token);
        if (feed.outcome != SendResult::Outcome::sent || !story_)
            return feed;
        SendResult story = publish(notice, "story", done,
                                   {{"media_type", "STORIES"}, {"image_url", image_url_}}, token);
        if (story.outcome != SendResult::Outcome::sent) {
            story.error = "the feed post went out (" + feed.remote_id +
                          "), the Story did not: " + story.error;
            return story;
        }
        feed.remote_id += "," + story.remote_id;
        return feed;
    }

  public:
    VerifyResult verify() override {
        const std::string token = required_secret(config_, "token");
        const HttpResponse res =
            http_.send(request("GET", join_url(base_, version_ + "/" + percent_encode(user_id_) +
                                                          "?fields=id,username&access_token=" +
                                                          percent_encode(token))));
        VerifyResult v = verify_http(res, "Instagram", now());
        const json body = json::parse(res.body, nullptr, false);
        if (v.outcome != VerifyResult::Outcome::ok) {
            if (body.is_object() && body.contains("error") && body["error"].is_object())
                v.detail = redact(fmt::format("Instagram: HTTP {}, code {}: {}", res.status,
                                              body["error"].value("code", 0LL),
                                              body["error"].value("message", std::string())));
            return v;
        }
        const std::string who =
            body.is_object() ? body.value("username", std::string("?")) : std::string("?");
        if (image_url_.empty()) {
            v.outcome = VerifyResult::Outcome::failed;
            v.detail = "@" + who + "; no image_url: Instagram needs an image for every post";
            return redact_into(v);
        }
        const std::string image = check_image();
        if (!image.empty()) {
            v.outcome = VerifyResult::Outcome::failed;
            v.detail = "@" + who + "; image_url " + image;
        } else {
            v.detail = fmt::format("@{}, Graph API {}; the image answers", who, version_.substr(1));
        }
        if (on_shop())
            v.detail += "; the image is on the shop's own site: while the shop is down it "
                        "cannot be posted, so host it elsewhere";
        return redact_into(v);
    }

  private:
    static VerifyResult& redact_into(VerifyResult& v) {
        v.detail = redact(v.detail);
        return v;
    }

    // Why Instagram could not fetch image_url, or "" when it answers 200 image/*.
    std::string check_image() {
        HttpRequest req = request("GET", image_url_);
        req.max_body = 1; // the status and type are what matter, not the picture
        const HttpResponse res = http_.send(req);
        if (!res.transfer_ok)
            return "does not answer: " + res.error;
        if (res.status != 200) {
            std::string why = fmt::format("answers HTTP {}", res.status);
            if (auto where = res.header("location"))
                why += " (to " + redact_prefix(*where, 200) + ": give that URL)";
            return why;
        }
        const std::string type = res.header("content-type").value_or("");
        if (!type.starts_with("image/"))
            return fmt::format("answers with \"{}\", not an image", redact_prefix(type, 100));
        return {};
    }

    // Whether image_url is on the host of one of the shop's channels or checks.
    bool on_shop() const {
        if (env_.config == nullptr)
            return false;
        const std::string host = host_of(image_url_);
        for (const auto& channel : env_.config->channels) {
            if (!channel.url.empty() && host_of(channel.url) == host)
                return true;
            for (const auto& check : channel.checks)
                if (!check.url.empty() && host_of(check.url) == host)
                    return true;
        }
        return false;
    }

    // What has succeeded for one notice: "feed-container" -> id, "feed" -> id, …
    using Progress = std::map<std::string, std::string>;

    void log(const std::string& line) const {
        if (env_.log)
            env_.log(line);
    }

    Progress& progress(const Notice& notice) {
        Progress& p = progress_[notice.key.empty() ? std::to_string(notice.outbox_id) : notice.key];
        if (env_.state == nullptr || notice.outbox_id == 0)
            return p;
        std::vector<std::pair<std::string, std::string>> seen;
        std::set<std::string> dead;
        for (const std::string& r : env_.state->outbox.recipients_done(notice.outbox_id)) {
            if (r.rfind(marker, 0) != 0)
                continue;
            const std::string rest = r.substr(marker.size());
            const auto colon = rest.find(':');
            if (colon == std::string::npos)
                continue;
            std::string what = rest.substr(0, colon), id = rest.substr(colon + 1);
            if (what.ends_with("-dead"))
                dead.insert(id);
            else
                seen.emplace_back(std::move(what), std::move(id));
        }
        for (auto& [what, id] : seen)
            if (dead.count(id) == 0)
                p[what] = id;
        return p;
    }

    void remember(const Notice& notice, Progress& done, const std::string& what,
                  const std::string& id) {
        done[what] = id;
        if (env_.state != nullptr && notice.outbox_id != 0)
            env_.state->outbox.record_recipient(notice.outbox_id,
                                                std::string(marker) + what + ":" + id, "sent", "");
    }

    Step call(const std::string& path, std::vector<std::pair<std::string, std::string>> fields,
              const std::string& token) {
        fields.emplace_back("access_token", token);
        HttpRequest req =
            request("POST", join_url(base_, version_ + "/" + percent_encode(user_id_) + path));
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        req.body = form_encode(fields);
        const HttpResponse res = http_.send(req);

        Step step;
        step.result = classify_http(res, now());
        if (!res.transfer_ok)
            return step;
        const json body = json::parse(res.body, nullptr, false);
        if (step.result.outcome == SendResult::Outcome::sent) {
            if (body.is_object() && body.contains("id") && body["id"].is_string()) {
                step.id = body["id"].get<std::string>();
            } else {
                step.result.outcome = SendResult::Outcome::retry;
                step.result.error = "Instagram answered without an id";
            }
            return step;
        }
        if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
            step.result.error = "Instagram: " + step.result.error;
            return step;
        }
        const json& e = body["error"];
        const auto number = [&](const char* name) -> long long {
            return e.contains(name) && e[name].is_number_integer() ? e[name].get<long long>() : 0;
        };
        step.code = number("code");
        step.subcode = number("error_subcode");
        const std::string message = e.contains("message") && e["message"].is_string()
                                        ? e["message"].get<std::string>()
                                        : std::string();
        SendResult& r = step.result;
        const long long code = step.code;
        if (code == 4 || code == 17 || code == 32 || code == 613 || code == 80002) {
            r.outcome = SendResult::Outcome::retry;
            r.error =
                redact(fmt::format("Instagram: rate limit reached (code {}: {})", code, message));
        } else if (code == 1 || code == 2 || code == 9007) {
            r.outcome = SendResult::Outcome::retry;
            r.error =
                redact(fmt::format("Instagram: temporary error (code {}: {})", code, message));
        } else if (code == 190) {
            r.outcome = SendResult::Outcome::failed;
            r.error = redact(fmt::format("Instagram rejected the access token (code 190: {}); "
                                         "make a new one",
                                         message));
        } else {
            r.error = redact(fmt::format(
                "Instagram: HTTP {}, code {}{}: {}", res.status, code,
                step.subcode != 0 ? "/" + std::to_string(step.subcode) : std::string(), message));
        }
        return step;
    }

    // Creates the container (unless one is remembered) and publishes it.
    SendResult publish(const Notice& notice, const std::string& what, Progress& done,
                       const std::vector<std::pair<std::string, std::string>>& fields,
                       const std::string& token) {
        if (const auto it = done.find(what); it != done.end()) {
            log(fmt::format("instagram: {} of this notice already published ({})", what,
                            it->second));
            SendResult r;
            r.remote_id = it->second;
            return r;
        }
        const std::string container_key = what + "-container";
        bool fresh = false;
        for (int round = 0; round < 2; ++round) {
            if (done.count(container_key) == 0) {
                Step made = call("/media", fields, token);
                if (made.result.outcome != SendResult::Outcome::sent)
                    return made.result;
                remember(notice, done, container_key, made.id);
                fresh = true;
            }
            const std::string container = done[container_key];
            Step published;
            for (int attempt = 1; attempt <= publish_tries; ++attempt) {
                published = call("/media_publish", {{"creation_id", container}}, token);
                const bool not_ready = published.code == 9007 || published.subcode == 2207027;
                if (!not_ready || attempt == publish_tries)
                    break;
                log(fmt::format("instagram: {} container not ready, waiting", what));
                std::this_thread::sleep_for(not_ready_wait);
            }
            if (published.result.outcome == SendResult::Outcome::sent) {
                remember(notice, done, what, published.id);
                published.result.remote_id = published.id;
                return published.result;
            }
            // A remembered container may have expired (they live 24 hours): one
            // new container, then give up.
            if (published.result.outcome == SendResult::Outcome::failed && !fresh) {
                remember(notice, done, container_key + "-dead", container);
                done.erase(container_key);
                continue;
            }
            return published.result;
        }
        SendResult r;
        r.outcome = SendResult::Outcome::failed;
        r.error = "Instagram: publishing failed";
        return r;
    }

    std::string base_;
    std::string user_id_;
    std::string version_;
    std::string image_url_;
    bool story_ = false;
    std::map<std::string, Progress> progress_;
};

} // namespace

std::unique_ptr<Target> make_instagram(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<InstagramTarget>(config, env);
}

} // namespace shopkit::targets
