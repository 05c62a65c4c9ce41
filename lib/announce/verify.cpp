#include "lib/announce/verify.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/net/curl_common.hpp"
#include "lib/record/record.hpp"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <memory>

namespace shopkit {

namespace {

using Json = nlohmann::json;

// The exit status when a target failed its check (sysexits has no word for it;
// 1 is "something is not ready", as shoprecover's "not recovered").
constexpr int not_ready = 1;

const char* result_name(VerifyResult::Outcome o) {
    switch (o) {
    case VerifyResult::Outcome::ok:
        return "ok";
    case VerifyResult::Outcome::failed:
        return "failed";
    case VerifyResult::Outcome::not_verifiable:
        return "not verifiable";
    }
    return "failed";
}

bool selected(const std::vector<std::string>& ids, const TargetConfig& t) {
    return ids.empty() || std::find(ids.begin(), ids.end(), t.id) != ids.end();
}

} // namespace

int run_verify(const Config& config, const std::vector<std::string>& targets,
               const std::function<void(const Json& row)>& row, const Clock& clock) {
    for (const auto& id : targets)
        if (std::none_of(config.targets.begin(), config.targets.end(),
                         [&](const TargetConfig& t) { return t.id == id; }))
            throw usage_error(
                fmt::format("--target {}: no such target in {}", id, config.path.string()));

    TargetEnv env;
    env.config = &config;
    env.clock = &clock;
    // Built before the first call, as a run builds them: a target its kind
    // refuses is a config error (78), not a row.
    std::vector<std::pair<const TargetConfig*, std::unique_ptr<Target>>> built;
    for (const auto& t : config.targets)
        if (selected(targets, t))
            built.emplace_back(&t, make_target(t, env));

    int status = exit_status::ok;
    for (auto& [t, target] : built) {
        VerifyResult v;
        try {
            v = target->verify();
        } catch (const Error& e) {
            // A secret that cannot be read is exactly what a readiness check is for:
            // that target failed, the others are still checked.
            v.outcome = VerifyResult::Outcome::failed;
            v.detail = e.what();
        }
        if (v.outcome == VerifyResult::Outcome::failed)
            status = not_ready;
        Json r = {{"v", record_version},
                  {"type", "verify"},
                  {"target", t->id},
                  {"kind", t->kind},
                  {"audience", t->audience},
                  {"result", result_name(v.outcome)},
                  {"detail", redact(v.detail)},
                  {"time", format_local(clock.now(), config.shop.timezone)}};
        for (const auto& [k, value] : v.facts.items())
            if (!r.contains(k))
                r[k] = value;
        row(r);
    }
    return status;
}

std::string verify_header() {
    return fmt::format("{:<16} {:<11} {:<15} {}\n", "TARGET", "KIND", "RESULT", "DETAIL");
}

std::string verify_text(const Json& r, bool color) {
    const std::string result = field_text(r, "result");
    const char* paint = "";
    if (color)
        paint = result == "ok" ? "\033[32m" : result == "failed" ? "\033[31m" : "\033[33m";
    return fmt::format("{:<16} {:<11} {}{:<15}{} {}\n", field_text(r, "target"),
                       field_text(r, "kind"), paint, result, color ? "\033[0m" : "",
                       field_text(r, "detail"));
}

VerifyResult verify_smtp(const SmtpLogin& login) {
    VerifyResult v;
    curl::global_init();
    const std::unique_ptr<CURL, void (*)(CURL*)> easy(curl_easy_init(), curl_easy_cleanup);
    if (!easy) {
        v.outcome = VerifyResult::Outcome::failed;
        v.detail = "cannot start libcurl";
        return v;
    }
    CURL* c = easy.get();
    char errbuf[CURL_ERROR_SIZE] = {};
    using curl::set;
    set(c, CURLOPT_URL, login.url.c_str());
    set(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    set(c, CURLOPT_USE_SSL, static_cast<long>(login.plaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    if (!login.ca_file.empty())
        set(c, CURLOPT_CAINFO, login.ca_file.c_str());
    if (!login.username.empty()) {
        set(c, CURLOPT_USERNAME, login.username.c_str());
        set(c, CURLOPT_PASSWORD, login.password.c_str());
    }
    // libcurl's SMTP connect phase is greeting, EHLO, STARTTLS and AUTH; with
    // CONNECT_ONLY it stops there, so no MAIL FROM is ever said.
    set(c, CURLOPT_CONNECT_ONLY, 1L);
    set(c, CURLOPT_TIMEOUT_MS, static_cast<long>(login.timeout.count()));
    set(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(login.timeout.count()));
    set(c, CURLOPT_NOSIGNAL, 1L);
    set(c, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    const std::string reason = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OK) {
        v.outcome = VerifyResult::Outcome::ok;
        const char* how = login.url.starts_with("smtps://") ? "TLS"
                          : login.plaintext                 ? "no TLS (plaintext)"
                                                            : "STARTTLS";
        v.detail = login.username.empty()
                       ? fmt::format("connected with {}; no username, so no login", how)
                       : fmt::format("logged in as '{}' with {}", login.username, how);
    } else {
        v.outcome = VerifyResult::Outcome::failed;
        if (rc == CURLE_LOGIN_DENIED)
            v.detail = fmt::format("the SMTP server refused the login of '{}': {}", login.username,
                                   reason);
        else if (rc == CURLE_USE_SSL_FAILED)
            v.detail = "the SMTP server offers no STARTTLS (use smtps://, or plaintext = true "
                       "only for a relay on this host)";
        else
            v.detail = fmt::format("SMTP: {}{}", reason,
                                   code > 0 ? fmt::format(" (reply {})", code) : std::string());
    }
    v.detail = redact(v.detail);
    return v;
}

} // namespace shopkit
