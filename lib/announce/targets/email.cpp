// The e-mail target: one message per recipient over SMTP (libcurl), the
// customers from the shop's own list (lib/announce/customers), MIME from lib/net/mime.
//
// The exchange, per message, on one connection kept for the whole batch (one
// libcurl easy handle, curl_easy_perform per message):
//   connect (smtps://: TLS at once) · 220 · EHLO · [smtp://: STARTTLS · TLS · EHLO]
//   · [AUTH PLAIN|LOGIN, when `username` is set] · MAIL FROM:<from> · RCPT TO:<to>
//   · DATA · 354 · message · "." · 250 — then MAIL FROM for the next recipient.
// A 5xx to RCPT refuses that recipient only: it is recorded and the batch goes on
// (libcurl closes the connection after a failed transfer, so the next message
// opens a new one). A 4xx anywhere, a timeout or a failed connection stops the
// batch with `retry`; each recipient is recorded the moment the server accepts
// it, so the next run mails only the rest. 5xx to MAIL, DATA or the message, or
// a refused login, stop it with `failed` (a person must act).
//
// Config (shopkit.toml(5)): url (smtp://host:587 STARTTLS required, smtps://host:465),
// plaintext (smtp:// without TLS, for a relay on this host), ca_file, from,
// username + password_env/_file, customers (CSV), segments, unsubscribe (an
// address, a URL, or both as an array), to (staff recipients: a string or an
// array), timeout (per message, default 30s).
// --verify: connect, EHLO, STARTTLS and AUTH, then QUIT (verify_smtp): no message.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/customers.hpp"
#include "lib/announce/verify.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/text.hpp"
#include "lib/net/curl_common.hpp"
#include "lib/net/mime.hpp"
#include "lib/render/template.hpp"
#include "lib/state/state.hpp"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shopkit::targets {

namespace {

using nlohmann::json;

struct Recipient {
    mime::Mailbox mailbox;
    std::string segment;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string_view s) {
    return std::string(shopkit::trim(s));
}

// A parameter that is a string or an array of strings (arrays arrive as JSON text).
std::vector<std::string> string_list(const TargetConfig& config, const std::string& name) {
    const auto it = config.params.find(name);
    if (it == config.params.end())
        return {};
    const std::string& value = it->second;
    if (!value.starts_with("["))
        return {value};
    const json parsed = json::parse(value, nullptr, false);
    std::vector<std::string> out;
    if (parsed.is_array()) {
        for (const json& item : parsed) {
            if (!item.is_string())
                throw config_error(fmt::format("{}: target '{}': '{}' must be a string or an "
                                               "array of strings",
                                               config.where, config.id, name));
            out.push_back(item.get<std::string>());
        }
        return out;
    }
    return {value};
}

// A URL for a header: http(s), no space, no control character, no '<' '>' ','.
bool header_safe_url(const std::string& url) {
    if (!url.starts_with("https://") && !url.starts_with("http://"))
        return false;
    return std::none_of(url.begin(), url.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c == 0x7F || ch == '<' || ch == '>' || ch == ',' || ch == '"';
    });
}

// The server's reply lines of one transfer, kept from libcurl's debug stream for
// messages ("550 5.1.1 <x@y>: User unknown"). Only what the server says is kept,
// never what the client sends (AUTH carries the password).
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type == CURLINFO_HEADER_IN) {
        auto* replies = static_cast<std::vector<std::string>*>(user);
        std::string line(data, std::min<size_t>(size, 300));
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.pop_back();
        for (char& ch : line)
            if (static_cast<unsigned char>(ch) < 0x20)
                ch = ' ';
        if (replies->size() >= 64) // a transfer has a handful; keep memory bounded
            replies->erase(replies->begin());
        replies->push_back(std::move(line));
    }
    return 0;
}

// The last reply line with this code: the one that failed the transfer (libcurl
// says QUIT after it, so it is not always the last line).
std::string reply_with(const std::vector<std::string>& replies, long code) {
    const std::string prefix = std::to_string(code);
    for (auto it = replies.rbegin(); it != replies.rend(); ++it)
        if (it->starts_with(prefix) && it->size() > 3 && (it->at(3) == ' ' || it->at(3) == '-'))
            return *it;
    return {};
}

struct Upload {
    const std::string* data = nullptr;
    std::size_t pos = 0;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data->size() - up->pos);
    std::copy_n(up->data->data() + up->pos, n, buffer);
    up->pos += n;
    return n;
}

class EmailTarget final : public Target {
  public:
    EmailTarget(const TargetConfig& config, const TargetEnv& env);
    ~EmailTarget() override;
    EmailTarget(const EmailTarget&) = delete;
    EmailTarget& operator=(const EmailTarget&) = delete;

    std::optional<std::string> refuse(const Notice& notice) const override;
    std::string preview(const Notice& notice) const override;
    SendResult send(const Notice& notice) override;
    VerifyResult verify() override {
        return verify_smtp({url_, plaintext_, ca_file_, username_,
                            username_.empty() ? "" : required_secret(config_, "password"),
                            timeout_});
    }

  private:
    void log(const std::string& line) const {
        if (env_.log)
            env_.log(fmt::format("target '{}': {}", config_.id, line));
    }
    // A warning reaches people even when the program gave no log (a skipped
    // customer row must never pass in silence).
    void warn(const std::string& line) const {
        if (env_.log)
            log("warning: " + line);
        else
            std::cerr << fmt::format("warning: target '{}': {}\n", config_.id, line);
    }
    const std::vector<Recipient>& recipients() const;
    mime::Message message_for(const Notice& notice, json& context, const Recipient& to) const;
    void open_handle();

    TargetConfig config_;
    TargetEnv env_;
    std::string url_;
    bool plaintext_ = false;
    std::string ca_file_;
    mime::Mailbox from_;
    std::string domain_;
    std::string username_;
    std::vector<mime::Mailbox> to_;
    std::optional<std::filesystem::path> customers_;
    std::vector<std::string> segments_;
    std::string unsubscribe_mailto_;
    std::string unsubscribe_url_;
    std::string unsubscribe_text_; // what {{unsubscribe}} says: the URL, else the address
    Millis timeout_{std::chrono::seconds(30)};

    mutable std::optional<std::vector<Recipient>> recipients_;
    CURL* curl_ = nullptr;
    curl::HeaderList rcpt_; // the one RCPT TO of the message being sent
    std::string password_;
    std::vector<std::string> replies_;
    char errbuf_[CURL_ERROR_SIZE] = {};
    Upload upload_;
};

EmailTarget::EmailTarget(const TargetConfig& config, const TargetEnv& env)
    : config_(config), env_(env) {
    const std::string who = fmt::format("{}: target '{}' (email)", config.where, config.id);
    auto param = [&](const char* name) -> std::optional<std::string> {
        const auto it = config.params.find(name);
        if (it == config.params.end())
            return std::nullopt;
        return it->second;
    };

    url_ = required_param(config, "url");
    plaintext_ = param("plaintext").value_or("false") == "true";
    if (plaintext_ && url_.starts_with("smtps://"))
        throw config_error(fmt::format("{}: 'plaintext = true' is for an smtp:// relay on this "
                                       "host; an smtps:// URL is always TLS",
                                       who));
    if (plaintext_)
        warn("plaintext = true: mail (and any SMTP password) goes to the server "
             "unencrypted; use it only for a relay on this host");
    ca_file_ = param("ca_file").value_or("");

    const ShopConfig* shop = env.config ? &env.config->shop : nullptr;
    if (auto from = param("from")) {
        auto box = mime::parse_mailbox(*from);
        if (!box)
            throw config_error(fmt::format(
                "{}: 'from' must be \"Name <address>\" or an address, not \"{}\"", who, *from));
        from_ = *box;
    } else if (shop && mime::valid_address(shop->contact)) {
        from_ = {shop->name, shop->contact};
    } else {
        throw config_error(fmt::format(
            "{}: needs 'from' (the sender, \"Name <address>\"), or an address in [shop] contact",
            who));
    }
    domain_ = from_.address.substr(from_.address.find('@') + 1);

    username_ = param("username").value_or("");
    const bool has_password = config.secrets.contains("password");
    if (!username_.empty() && !has_password)
        throw config_error(
            fmt::format("{}: 'username' needs 'password_env' or 'password_file' (SMTP AUTH)", who));
    if (username_.empty() && has_password)
        throw config_error(fmt::format("{}: a password needs 'username' (SMTP AUTH)", who));

    timeout_ = target_timeout(config);

    for (const std::string& item : string_list(config, "to")) {
        auto box = mime::parse_mailbox(item);
        if (!box)
            throw config_error(
                fmt::format("{}: 'to' holds \"{}\", which is not an e-mail address", who, item));
        to_.push_back(*box);
    }

    if (auto path = param("customers")) {
        // The config has made it relative to its own directory (and expanded "~/")
        // already, as every path in it: taken as it is.
        const std::filesystem::path p = *path;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(p, ec))
            throw config_error(fmt::format("{}: the customer list {} does not exist or is not a "
                                           "file",
                                           who, p.string()));
        customers_ = p;
    }
    segments_ = string_list(config, "segments");
    if (!segments_.empty() && !customers_)
        throw config_error(fmt::format("{}: 'segments' needs 'customers' (the CSV)", who));

    for (const std::string& raw : string_list(config, "unsubscribe")) {
        std::string item = trim(raw);
        if (item.starts_with("mailto:"))
            item = item.substr(7);
        if (item.starts_with("https://") || item.starts_with("http://")) {
            if (!header_safe_url(item))
                throw config_error(fmt::format(
                    "{}: 'unsubscribe' URL \"{}\" has a space or a character a header cannot "
                    "carry",
                    who, item));
            unsubscribe_url_ = item;
        } else if (mime::valid_address(item)) {
            unsubscribe_mailto_ = item;
        } else {
            throw config_error(fmt::format(
                "{}: 'unsubscribe' must be an e-mail address or an http(s) URL, not \"{}\"", who,
                raw));
        }
    }
    unsubscribe_text_ = !unsubscribe_url_.empty() ? unsubscribe_url_ : unsubscribe_mailto_;

    if (config.audience == Audience::customers) {
        // Commercial e-mail must say who sends it and how to stop it (Japan's
        // 特定電子メール法, CAN-SPAM, and the big mailbox providers' bulk-sender rules).
        if (unsubscribe_text_.empty())
            throw config_error(fmt::format(
                "{}: customer e-mail needs 'unsubscribe' (an address or URL where customers stop "
                "the mail)",
                who));
        if (!customers_ && to_.empty())
            throw config_error(
                fmt::format("{}: needs 'customers' (the customer list CSV) or 'to'", who));
    } else if (!customers_ && to_.empty()) {
        if (shop && mime::valid_address(shop->contact))
            to_.push_back({shop->name, shop->contact});
        else
            throw config_error(fmt::format(
                "{}: needs 'to' (the staff addresses), or an address in [shop] contact", who));
    }
}

EmailTarget::~EmailTarget() {
    if (curl_)
        curl_easy_cleanup(curl_);
}

const std::vector<Recipient>& EmailTarget::recipients() const {
    if (recipients_)
        return *recipients_;
    std::vector<Recipient> out;
    std::set<std::string> seen;
    for (const mime::Mailbox& box : to_)
        if (seen.insert(lower(box.address)).second)
            out.push_back({box, ""});
    if (customers_) {
        const CustomerList list = load_customers(*customers_);
        const std::size_t shown = std::min<std::size_t>(list.problems.size(), 20);
        for (std::size_t i = 0; i < shown; ++i)
            warn(list.problems[i]);
        if (list.problems.size() > shown)
            warn(fmt::format("{}: {} more rows skipped", customers_->string(),
                             list.problems.size() - shown));
        for (const Customer& c : select_customers(list, segments_))
            if (seen.insert(lower(c.email)).second)
                out.push_back({{c.name, c.email}, c.segment});
    }
    recipients_ = std::move(out);
    return *recipients_;
}

mime::Message EmailTarget::message_for(const Notice& notice, json& context,
                                       const Recipient& to) const {
    std::string text = notice.text;
    if (!notice.template_source.empty()) {
        context["customer"] = {
            {"email", to.mailbox.address}, {"name", to.mailbox.name}, {"segment", to.segment}};
        context["unsubscribe"] = unsubscribe_text_;
        text =
            trim(render_template(Template{notice.template_source, notice.template_path}, context));
    }
    const std::size_t nl = text.find('\n');
    mime::Message m;
    m.subject = trim(text.substr(0, nl));
    std::string body = nl == std::string::npos ? std::string() : trim(text.substr(nl + 1));
    // The law on commercial e-mail wants the sender and the way to unsubscribe in
    // the mail itself; a template that leaves them out gets them as a footer.
    if (!unsubscribe_text_.empty() && body.find(unsubscribe_text_) == std::string::npos) {
        const bool ja = env_.config && env_.config->shop.language == "ja";
        const std::string sender =
            from_.name.empty() ? from_.address : fmt::format("{} <{}>", from_.name, from_.address);
        body += fmt::format("\n\n--\n{}\n{}{}\n", sender,
                            ja ? "配信停止: " : "Unsubscribe: ", unsubscribe_text_);
    }
    m.body = body;
    m.from = from_;
    m.to = to.mailbox;
    m.date = mime::rfc5322_date(target_now(env_),
                                env_.config ? env_.config->shop.timezone : std::string());
    m.message_id = mime::message_id(notice.key, to.mailbox.address, domain_);
    m.unsubscribe_mailto = unsubscribe_mailto_;
    m.unsubscribe_url = unsubscribe_url_;
    return m;
}

std::optional<std::string> EmailTarget::refuse(const Notice& notice) const {
    const std::string text = trim(notice.text);
    if (text.empty() ||
        text.substr(0, text.find('\n')).find_first_not_of(" \t\r") == std::string::npos)
        return std::string("the e-mail has no subject (the template's first line is empty)");
    return std::nullopt;
}

std::string EmailTarget::preview(const Notice& notice) const {
    const auto& list = recipients();
    json context = notice.context;
    Recipient first{{"", "(no recipients)"}, ""};
    if (!list.empty())
        first = list.front();
    const mime::Message m = message_for(notice, context, first);
    std::string out = mime::preview_message(m);
    if (!out.ends_with("\n"))
        out += '\n';
    out += fmt::format("[{} {}; the first shown]\n", list.size(),
                       list.size() == 1 ? "recipient" : "recipients");
    return out;
}

void EmailTarget::open_handle() {
    if (curl_)
        return;
    if (!username_.empty())
        password_ = required_secret(config_, "password");
    curl::global_init();
    curl_ = curl_easy_init();
    if (!curl_)
        throw Error(exit_status::software, "cannot start libcurl");
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtp:// must upgrade with STARTTLS or fail: never a silent plaintext send.
    curl_easy_setopt(curl_, CURLOPT_USE_SSL,
                     static_cast<long>(plaintext_ ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    if (!ca_file_.empty())
        curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file_.c_str());
    if (!username_.empty()) {
        curl_easy_setopt(curl_, CURLOPT_USERNAME, username_.c_str());
        curl_easy_setopt(curl_, CURLOPT_PASSWORD, password_.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_MAIL_FROM, ("<" + from_.address + ">").c_str());
    curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl_, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl_, CURLOPT_READDATA, &upload_);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
    curl_easy_setopt(curl_, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(curl_, CURLOPT_DEBUGDATA, &replies_);
    curl_easy_setopt(curl_, CURLOPT_VERBOSE, 1L);
}

SendResult EmailTarget::send(const Notice& notice) {
    SendResult result;
    if (env_.state == nullptr) {
        // Without the state nothing records who was mailed, and a re-run would mail
        // everyone again: --dry-run previews, it never sends.
        result.outcome = SendResult::Outcome::failed;
        result.error = "not sent: e-mail is sent only with the state (not in --dry-run)";
        return result;
    }
    const auto& list = recipients();
    if (list.empty())
        warn(customers_ ? "nobody to mail: no opted-in customer in the list" +
                              std::string(segments_.empty() ? "" : " in these segments")
                        : "nobody to mail");
    std::set<std::string> done;
    for (const std::string& addr : env_.state->outbox.recipients_done(notice.outbox_id))
        done.insert(lower(addr));
    std::vector<const Recipient*> todo;
    for (const Recipient& r : list)
        if (!done.contains(lower(r.mailbox.address)))
            todo.push_back(&r);
    if (todo.empty()) {
        log(fmt::format("{} recipients, all dealt with already", list.size()));
        return result;
    }
    if (!done.empty())
        log(fmt::format("{} of {} recipients dealt with by an earlier run; mailing the rest",
                        list.size() - todo.size(), list.size()));

    open_handle();
    json context = notice.context;
    long connections = 0;
    std::string first_refusal;
    for (const Recipient* to : todo) {
        const mime::Message m = message_for(notice, context, *to);
        const std::string data = mime::build_message(m);
        upload_ = {&data, 0};
        rcpt_.clear();
        rcpt_.add_line("<" + to->mailbox.address + ">");
        curl_easy_setopt(curl_, CURLOPT_MAIL_RCPT, rcpt_.get());
        errbuf_[0] = '\0';
        replies_.clear();
        const CURLcode rc = curl_easy_perform(curl_);
        long code = 0;
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
        long fresh = 0;
        curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &fresh);
        connections += fresh;
        if (rc == CURLE_OK) {
            env_.state->outbox.record_recipient(notice.outbox_id, to->mailbox.address, "sent", "");
            ++result.delivered;
            continue;
        }
        const std::string reason = errbuf_[0] ? errbuf_ : curl_easy_strerror(rc);
        const std::string reply = reply_with(replies_, code);
        const std::string said = reply.empty() ? reason : reply;
        const bool rcpt_stage = reason.starts_with("RCPT failed");
        if (rcpt_stage && code >= 500 && code < 600) {
            const std::string why = said;
            env_.state->outbox.record_recipient(notice.outbox_id, to->mailbox.address, "rejected",
                                                why);
            ++result.rejected;
            if (first_refusal.empty())
                first_refusal = fmt::format("{}: {}", to->mailbox.address, why);
            log(fmt::format("refused {}: {}", to->mailbox.address, why));
            continue;
        }
        // The batch stops here; the rest go next run.
        const std::size_t left = todo.size() - result.delivered - result.rejected;
        if (rc == CURLE_LOGIN_DENIED) {
            result.outcome = SendResult::Outcome::failed;
            result.error =
                fmt::format("the SMTP server refused the login of '{}': {}", username_, said);
        } else if (rc == CURLE_USE_SSL_FAILED) {
            result.outcome = SendResult::Outcome::retry;
            result.error = "the SMTP server offers no STARTTLS, so nothing was sent in "
                           "plaintext (use smtps://, or plaintext = true only for a relay on "
                           "this host)";
        } else if (code >= 400 && code < 500) {
            result.outcome = SendResult::Outcome::retry;
            result.error = fmt::format("the SMTP server said to try later: {}", said);
        } else if (code >= 500 && code < 600) {
            result.outcome = SendResult::Outcome::failed;
            result.error = fmt::format("the SMTP server refused the message: {}", said);
        } else {
            result.outcome = SendResult::Outcome::retry;
            result.error = fmt::format("SMTP: {}", reason);
        }
        result.error += fmt::format(" ({} delivered, {} refused, {} left for the next run)",
                                    result.delivered, result.rejected, left);
        log(result.error);
        // The connection may be in any state now; the next attempt starts afresh.
        curl_easy_cleanup(curl_);
        curl_ = nullptr;
        return result;
    }
    log(fmt::format("{} delivered, {} refused, over {} {}", result.delivered, result.rejected,
                    connections, connections == 1 ? "connection" : "connections"));
    if (result.rejected > 0)
        result.error = fmt::format("{} of {} recipients refused, e.g. {}", result.rejected,
                                   todo.size(), first_refusal);
    return result;
}

} // namespace

std::unique_ptr<Target> make_email(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<EmailTarget>(config, env);
}

} // namespace shopkit::targets
