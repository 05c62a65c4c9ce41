// An announce target: one place a notice is posted (LINE, X, e-mail, a status
// page …). Each kind is a file in lib/announce/targets/ with the real API client over
// libcurl; its base URL comes from the target's `api_base` so tests talk to
// loopback. The outbox (lib/announce/outbox) decides what is due and when to retry; a
// target only renders its payload and makes the calls for one notice.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/net/http.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

struct Stores;

// One notice for one target, rendered.
struct Notice {
    std::int64_t outbox_id = 0; // the outbox row (0 in --dry-run)
    std::string incident;       // incident id
    Event event = Event::opened;
    std::string target;  // target id
    std::string key;     // a UUID, the same on every attempt of this row
    int attempt = 1;     // 1 on the first try
    std::string subject; // the rendered text's first line
    std::string text;    // the rendered text (template output, trimmed)
    // The template and its variables, for targets that render again per
    // recipient (e-mail: {{customer.name}}) or as HTML (statuspage).
    std::string template_source;
    std::string template_path;
    nlohmann::json context;
    nlohmann::json record; // the incident record this notice is about
};

struct SendResult {
    enum class Outcome {
        sent,   // delivered; remote_id set where the API returns one
        retry,  // temporary: timeout, connection refused, 5xx, 429, 408; try again later
        failed, // permanent: 4xx, does not fit, bad config; a person must act
    };
    Outcome outcome = Outcome::sent;
    std::string remote_id;
    std::string error; // one line, for people; never a secret
    std::optional<Millis>
        retry_after;   // the API asked to wait this long (Retry-After, reset headers)
    int delivered = 0; // e-mail: recipients accepted in this attempt
    int rejected = 0;  // e-mail: recipients refused (recorded, not retried)
};

// What --verify found for one target (lib/announce/verify).
struct VerifyResult {
    enum class Outcome {
        ok,             // the credentials and settings work now
        failed,         // they do not: `detail` says why; a person must act
        not_verifiable, // the service has no read-only call (webhooks)
    };
    Outcome outcome = Outcome::not_verifiable;
    std::string detail;                              // one line, for people; never a secret
    nlohmann::json facts = nlohmann::json::object(); // numbers for jsonl (LINE quota …)
};

// What every target may use.
struct TargetEnv {
    const Config* config = nullptr;
    const Stores* state = nullptr; // null in --dry-run
    const Clock* clock = nullptr;
    std::function<void(const std::string&)> log; // -v diagnostics (may be empty)
};

class Target {
  public:
    virtual ~Target() = default;
    // Why this notice cannot be posted as it is (too long for the service,
    // missing image …), or nullopt when it fits. Needs no secret and no network,
    // so --dry-run shows the same refusal the real send would give.
    virtual std::optional<std::string> refuse(const Notice& notice) const;
    // The notice as its audience would see it (--dry-run); default: notice.text.
    virtual std::string preview(const Notice& notice) const;
    // Posts the notice. A delivery problem is a SendResult, never an exception;
    // a secret that cannot be read throws config_error (lib/core/secret).
    virtual SendResult send(const Notice& notice) = 0;
    // Checks that the target could post now without posting anything: an
    // identity call of the service's API (--verify). Default: not_verifiable,
    // "cannot be verified without posting". A secret that cannot be read throws
    // config_error, as in send().
    virtual VerifyResult verify();
};

// The target's `timeout` param (a positive duration), else 30 s. Throws
// config_error naming config.where for a value parse_duration refuses.
Millis target_timeout(const TargetConfig& config);
// env.clock's time, else the system clock's.
TimePoint target_now(const TargetEnv& env);

// The skeleton every HTTP API target shares. Reads `timeout` and `ca_file` once,
// no secret (resolve them in deliver()); send() gives a notice refuse() turns
// down as `failed` without a request, else returns deliver(). One HttpClient per
// target, so a batch reuses its connection.
class HttpTarget : public Target {
  public:
    SendResult send(const Notice& notice) final;

  protected:
    HttpTarget(const TargetConfig& config, const TargetEnv& env);
    // Posts a notice refuse() accepted; same contract as Target::send.
    virtual SendResult deliver(const Notice& notice) = 0;

    TimePoint now() const;
    // A request with the target's timeout and ca_file, no header or body yet.
    HttpRequest request(std::string method, std::string url) const;
    // A POST of `body` (invalid UTF-8 replaced) with Content-Type: application/json.
    HttpRequest json_request(std::string url, const nlohmann::json& body) const;

    TargetConfig config_;
    TargetEnv env_;
    HttpClient http_;

  private:
    Millis timeout_;
    std::string ca_file_;
};

// The target for `config.kind_id`. Throws config_error for a target that lacks a key
// its kind needs, or whose `kind` is not the name of its kind_id (naming
// config.where). Reads no secret yet.
std::unique_ptr<Target> make_target(const TargetConfig& config, const TargetEnv& env);

// The result of an ordinary JSON API answer: 2xx sent; 408, 429, 5xx and
// transfer failures retry (with Retry-After honoured); other statuses fail. The
// error names the status and the start of the body (one line, at most 200 bytes).
SendResult classify_http(const HttpResponse& response, TimePoint now);

// ok when the answer is 2xx; else failed, the detail `service`'s status and
// the start of its body (classify_http's error), or why nothing answered.
VerifyResult verify_http(const HttpResponse& response, std::string_view service, TimePoint now);

// The API base for a target: its api_base when set, else `default_base`.
std::string api_base(const TargetConfig& config, const std::string& default_base);

// A parameter of the target, or throws config_error "WHERE: target 'ID' (KIND) needs 'NAME'".
const std::string& required_param(const TargetConfig& config, const std::string& name);
// A secret of the target (NAME_env / NAME_file), resolved; throws config_error when unset.
std::string required_secret(const TargetConfig& config, const std::string& name);

} // namespace shopkit
