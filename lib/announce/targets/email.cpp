// The e-mail target: one message per recipient over SMTP (lib/net/smtp), the
// customers from the shop's list (lib/announce/customers), MIME from lib/net/mime,
// DKIM from lib/net/dkim, several connections from lib/announce/email_batch.
//
// A 5xx to RCPT refuses that recipient only: recorded, the batch goes on. A 4xx,
// a timeout or a lost connection stops the batch with `retry`; 5xx to MAIL or the
// data, or a refused login, with `failed`. Each recipient is recorded (by this
// thread, from the workers' outcomes) as soon as the server accepts it, so the
// next run mails only the rest and a kill -9 repeats at most the messages in
// flight, one per connection. Keys: shopkit.toml(5).
// --verify: connect, EHLO, STARTTLS and AUTH, then QUIT: no message.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/customers.hpp"
#include "lib/announce/email_batch.hpp"
#include "lib/announce/verify.hpp"
#include "lib/config/send_rate.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text.hpp"
#include "lib/net/dkim.hpp"
#include "lib/net/mime.hpp"
#include "lib/net/smtp.hpp"
#include "lib/render/template.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace shopkit::targets {

namespace {

using nlohmann::json;

struct Recipient {
    mime::Mailbox mailbox;
    std::string segment;
    std::string token; // the unsubscribe token: the CSV's, else the HMAC; may be empty
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

// A Feedback-ID or List-Id part: printable ASCII without space, ':', '<', '>'.
bool id_safe(const std::string& s) {
    return !s.empty() && s.size() <= 100 && std::all_of(s.begin(), s.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7F && ch != ':' && ch != '<' && ch != '>' && ch != '"';
    });
}

class EmailTarget final : public Target {
  public:
    EmailTarget(const TargetConfig& config, const TargetEnv& env);

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
    // A warning reaches people without -v (a skipped customer row must never
    // pass in silence); the log is for -v only.
    void warn(const std::string& line) const {
        cli::warn(fmt::format("target '{}': {}", config_.id, line));
    }
    const std::vector<Recipient>& recipients(bool preview = false) const;
    std::optional<Template> html_template(Event event) const;
    mime::Message message_for(const Notice& notice, json& context, const Recipient& to,
                              const std::optional<Template>& html) const;
    std::string wire_message(const Notice& notice, json& context, const Recipient& to,
                             const std::optional<Template>& html) const;
    smtp::Client& client(std::size_t worker);

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
    std::string unsubscribe_url_; // may hold {token}
    Millis timeout_{std::chrono::seconds(30)};
    std::size_t connections_ = default_connections;
    double rate_ = 0; // messages a second over all connections; 0: no limit
    std::string dkim_domain_;
    std::string dkim_selector_;
    std::string list_id_;     // "<id>" or empty
    std::string feedback_id_; // the last field (the sender id)

    mutable std::optional<std::vector<Recipient>> recipients_;
    std::unique_ptr<dkim::Signer> signer_;
    std::vector<std::unique_ptr<smtp::Client>> clients_; // one per connection, kept
    std::string password_;
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
    // The config checked both when it loaded (1-16; "N/s|m|h").
    if (auto n = param("connections"))
        connections_ = static_cast<std::size_t>(std::stoul(*n));
    if (auto r = param("rate"))
        rate_ = parse_send_rate(*r).value_or(0);

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
    const bool has_secret = config.secrets.contains("unsubscribe_secret");
    if (has_secret && unsubscribe_url_.empty())
        throw config_error(fmt::format("{}: 'unsubscribe_secret' makes a token for the "
                                       "unsubscribe URL, and 'unsubscribe' has no URL",
                                       who));

    if (config.audience == Audience::customers) {
        // Commercial e-mail must say who sends it and how to stop it (Japan's
        // 特定電子メール法, CAN-SPAM, and the big mailbox providers' bulk-sender rules).
        if (unsubscribe_url_.empty() && unsubscribe_mailto_.empty())
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

    dkim_domain_ = param("dkim_domain").value_or("");
    dkim_selector_ = param("dkim_selector").value_or("");
    const bool has_key = config.secrets.contains("dkim_key");
    if (has_key || !dkim_domain_.empty() || !dkim_selector_.empty()) {
        if (!has_key || dkim_selector_.empty())
            throw config_error(fmt::format("{}: DKIM needs 'dkim_selector' and 'dkim_key_file' "
                                           "(and 'dkim_domain', else the From domain)",
                                           who));
        if (dkim_domain_.empty())
            dkim_domain_ = domain_;
        const std::string d = lower(dkim_domain_);
        if (d != lower(domain_) && !lower(domain_).ends_with("." + d))
            throw config_error(fmt::format("{}: 'dkim_domain' {} does not align with the From "
                                           "domain {} (DMARC wants the same domain or a parent)",
                                           who, dkim_domain_, domain_));
    }
    if (auto id = param("list_id")) {
        if (!id_safe(*id) || id->find('.') == std::string::npos)
            throw config_error(fmt::format("{}: 'list_id' must look like a domain name "
                                           "(\"outage.shop.example.jp\"), not \"{}\"",
                                           who, *id));
        list_id_ = "<" + *id + ">";
    }
    feedback_id_ = param("feedback_id").value_or(domain_);
    if (!id_safe(feedback_id_))
        throw config_error(fmt::format("{}: 'feedback_id' must be printable ASCII without a "
                                       "space or ':', not \"{}\"",
                                       who, feedback_id_));
    if (env.config != nullptr)
        check_customer_templates({env.config->shop.templates, env.config->shop.language},
                                 config.template_name.value_or(config.kind), who);
}

const std::vector<Recipient>& EmailTarget::recipients(bool preview) const {
    if (recipients_)
        return *recipients_;
    std::string secret;
    bool unread = false; // --dry-run without the secret: the tokens are shown as TOKEN
    if (config_.secrets.contains("unsubscribe_secret")) {
        try {
            secret = required_secret(config_, "unsubscribe_secret");
        } catch (const Error&) {
            if (!preview)
                throw;
            unread = true;
        }
    }
    const bool needs_token = unsubscribe_url_.find("{token}") != std::string::npos;
    std::vector<Recipient> out;
    std::set<std::string> seen;
    std::vector<std::string> problems;
    auto add = [&](Recipient r, const std::string& where) {
        if (r.token.empty() && !secret.empty())
            r.token = unsubscribe_token(secret, r.mailbox.address);
        else if (r.token.empty() && unread)
            r.token = "TOKEN";
        if (r.token.empty() && needs_token) {
            problems.push_back(fmt::format("{}: {} has no unsubscribe token (no 'token' column "
                                           "value and no 'unsubscribe_secret'); not mailed",
                                           where, r.mailbox.address));
            return;
        }
        out.push_back(std::move(r));
    };
    for (const mime::Mailbox& box : to_)
        if (seen.insert(lower(box.address)).second)
            add({box, "", ""}, config_.where);
    if (customers_) {
        CustomerList list = load_customers(*customers_);
        problems.insert(problems.begin(), list.problems.begin(), list.problems.end());
        for (const Customer& c : select_customers(list, segments_))
            if (seen.insert(lower(c.email)).second)
                add({{c.name, c.email}, c.segment, c.token},
                    fmt::format("{}:{}", customers_->string(), c.line));
    }
    const std::size_t shown = std::min<std::size_t>(problems.size(), 20);
    for (std::size_t i = 0; i < shown; ++i)
        warn(problems[i]);
    if (problems.size() > shown)
        warn(fmt::format("{} more rows skipped", problems.size() - shown));
    recipients_ = std::move(out);
    return *recipients_;
}

// The shop's <event>.<name>.html.mustache, if it ships one; never the text
// template find_template falls back to.
std::optional<Template> EmailTarget::html_template(Event event) const {
    if (env_.config == nullptr)
        return std::nullopt;
    const TemplateSearch search{env_.config->shop.templates, env_.config->shop.language};
    const std::string name = config_.template_name.value_or(config_.kind) + ".html";
    try {
        Template t = find_template(search, std::string(to_string(event)), name);
        if (t.path.ends_with("." + name + ".mustache"))
            return t;
    } catch (const Error&) {
    }
    return std::nullopt;
}

mime::Message EmailTarget::message_for(const Notice& notice, json& context, const Recipient& to,
                                       const std::optional<Template>& html) const {
    const std::string url = unsubscribe_url(unsubscribe_url_, to.token);
    const std::string unsubscribe = !url.empty() ? url : unsubscribe_mailto_;
    std::string text = notice.text;
    context["customer"] = {{"email", to.mailbox.address},
                           {"name", to.mailbox.name},
                           {"segment", to.segment},
                           {"token", to.token}};
    context["unsubscribe"] = unsubscribe;
    if (!notice.template_source.empty())
        text =
            trim(render_template(Template{notice.template_source, notice.template_path}, context));
    const std::size_t nl = text.find('\n');
    mime::Message m;
    m.subject = trim(text.substr(0, nl));
    std::string body = nl == std::string::npos ? std::string() : trim(text.substr(nl + 1));
    // The law on commercial e-mail wants the sender and the way to unsubscribe in
    // the mail itself; a template that leaves them out gets them as a footer.
    const bool ja = env_.config && env_.config->shop.language == "ja";
    const std::string sender =
        from_.name.empty() ? from_.address : fmt::format("{} <{}>", from_.name, from_.address);
    const char* stop = ja ? "配信停止: " : "Unsubscribe: ";
    if (!unsubscribe.empty() && body.find(unsubscribe) == std::string::npos)
        body += fmt::format("\n\n--\n{}\n{}{}\n", sender, stop, unsubscribe);
    m.body = body;
    if (html) {
        std::string page = render_template(*html, context, true);
        const std::string shown = escape_html(unsubscribe);
        if (!unsubscribe.empty() && page.find(shown) == std::string::npos) {
            const std::string href = url.empty() ? "mailto:" + shown : shown;
            const std::string footer =
                fmt::format("<p style=\"font-size:small\">{}<br>{}<a href=\"{}\">{}</a></p>\n",
                            escape_html(sender), stop, href, shown);
            const auto at = page.rfind("</body>");
            page.insert(at == std::string::npos ? page.size() : at, footer);
        }
        m.html = page;
    }
    m.from = from_;
    m.to = to.mailbox;
    m.date = mime::rfc5322_date(target_now(env_),
                                env_.config ? env_.config->shop.timezone : std::string());
    m.message_id = mime::message_id(notice.key, to.mailbox.address, domain_);
    m.unsubscribe_mailto = unsubscribe_mailto_;
    m.unsubscribe_url = url;
    m.list_id = list_id_;
    m.feedback_id = fmt::format("{}:{}:shopkit:{}", to_string(notice.event),
                                id_safe(config_.id) ? config_.id : "email", feedback_id_);
    return m;
}

std::string EmailTarget::wire_message(const Notice& notice, json& context, const Recipient& to,
                                      const std::optional<Template>& html) const {
    std::string data = mime::build_message(message_for(notice, context, to, html));
    if (signer_)
        data.insert(0, signer_->sign(data));
    return data;
}

std::optional<std::string> EmailTarget::refuse(const Notice& notice) const {
    const std::string text = trim(notice.text);
    if (text.empty() ||
        text.substr(0, text.find('\n')).find_first_not_of(" \t\r") == std::string::npos)
        return std::string("the e-mail has no subject (the template's first line is empty)");
    return std::nullopt;
}

std::string EmailTarget::preview(const Notice& notice) const {
    const auto& list = recipients(true);
    json context = notice.context;
    Recipient first{{"", "(no recipients)"}, "", ""};
    if (!list.empty())
        first = list.front();
    const auto html = html_template(notice.event);
    const mime::Message m = message_for(notice, context, first, html);
    std::string out = mime::preview_message(m);
    if (!out.ends_with("\n"))
        out += '\n';
    if (html)
        out += fmt::format("[and an HTML part from {}]\n", html->path);
    out += fmt::format("[{} {}; the first shown]\n", list.size(),
                       list.size() == 1 ? "recipient" : "recipients");
    return out;
}

smtp::Client& EmailTarget::client(std::size_t worker) {
    if (clients_.size() <= worker)
        clients_.resize(worker + 1);
    if (!clients_[worker]) {
        smtp::Options o;
        o.url = url_;
        o.plaintext = plaintext_;
        o.ca_file = ca_file_;
        o.username = username_;
        o.password = password_;
        o.mail_from = from_.address;
        o.timeout = timeout_;
        clients_[worker] = std::make_unique<smtp::Client>(std::move(o));
    }
    return *clients_[worker];
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

    if (!username_.empty() && password_.empty())
        password_ = required_secret(config_, "password");
    if (config_.secrets.contains("dkim_key") && !signer_) {
        try {
            signer_ = std::make_unique<dkim::Signer>(required_secret(config_, "dkim_key"),
                                                     dkim_domain_, dkim_selector_);
        } catch (const std::invalid_argument& e) {
            throw config_error(fmt::format("{}: target '{}' (email): dkim_key: {}", config_.where,
                                           config_.id, e.what()));
        }
    }
    const auto html = html_template(notice.event);
    const std::size_t workers = email_batch::workers_for(todo.size(), connections_);
    for (std::size_t w = 0; w < workers; ++w)
        client(w); // made here: the workers only use them
    std::vector<json> contexts(workers, notice.context);
    long connections = 0;
    std::string first_refusal;
    std::string stopped; // the first error that stopped the batch
    auto outcome_of = [&](std::size_t w, std::size_t i) {
        const std::string data = wire_message(notice, contexts[w], *todo[i], html);
        return clients_[w]->send(todo[i]->mailbox.address, data);
    };
    auto take = [&](std::size_t i, const smtp::Outcome& o) {
        const std::string& address = todo[i]->mailbox.address;
        connections += o.connects;
        switch (o.kind) {
        case smtp::Outcome::Kind::accepted:
            env_.state->outbox.record_recipient(notice.outbox_id, address, "sent", "");
            ++result.delivered;
            return true;
        case smtp::Outcome::Kind::refused:
            env_.state->outbox.record_recipient(notice.outbox_id, address, "rejected", o.said);
            ++result.rejected;
            if (first_refusal.empty())
                first_refusal = fmt::format("{}: {}", address, o.said);
            log(fmt::format("refused {}: {}", address, o.said));
            return true;
        case smtp::Outcome::Kind::retry:
        case smtp::Outcome::Kind::failed:
            // A failed outcome outweighs a retry from another connection.
            if (stopped.empty() || (o.kind == smtp::Outcome::Kind::failed &&
                                    result.outcome != SendResult::Outcome::failed)) {
                stopped = o.error;
                result.outcome = o.kind == smtp::Outcome::Kind::failed ? SendResult::Outcome::failed
                                                                       : SendResult::Outcome::retry;
            }
            return false;
        }
        return false;
    };
    email_batch::run(todo.size(), workers, rate_, outcome_of, take);
    if (!stopped.empty()) {
        const std::size_t left = todo.size() - result.delivered - result.rejected;
        result.error = fmt::format("{} ({} delivered, {} refused, {} left for the next run)",
                                   stopped, result.delivered, result.rejected, left);
        log(result.error);
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
