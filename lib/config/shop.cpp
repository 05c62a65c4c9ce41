#include "lib/config/sections.hpp"

#include "lib/core/clock.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstddef>

namespace shopkit::config_detail {

void read_shop(Source& src, const toml::table& table, ShopConfig& shop) {
    const Table t(src, table, "[shop]");
    t.only({"name", "timezone", "language", "contact", "url", "address", "state", "templates"});
    if (auto v = t.nonempty_string("name"))
        shop.name = *v;
    if (auto v = t.string("timezone")) {
        if (!v->empty() && !known_time_zone(*v))
            t.fail("timezone", fmt::format("unknown time zone \"{}\" (an IANA name such as "
                                           "\"Asia/Tokyo\")",
                                           *v));
        shop.timezone = *v;
        src.timezone = *v;
    }
    if (auto v = t.string("language")) {
        // The language names a directory under share/templates.
        const bool plain = !v->empty() && std::all_of(v->begin(), v->end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
        });
        if (!plain)
            t.fail("language", fmt::format("'language' must be a language tag such as \"ja\" or "
                                           "\"en\", not \"{}\"",
                                           *v));
        shop.language = *v;
    }
    if (auto v = t.string("contact"))
        shop.contact = *v;
    if (auto v = t.url("url"))
        shop.url = *v;
    if (auto v = t.string("address"))
        shop.address = *v;
    if (auto v = t.path("state"))
        shop.state = *v;
    if (auto v = t.path("templates"))
        shop.templates = *v;
}

namespace {

// The keys [policy] and [policy.sale] share, read alike so a sale accepts exactly
// what the everyday policy does.
PolicyOverrides read_overridable(const Table& t) {
    PolicyOverrides o;
    o.fail_after = t.integer_in("fail_after", 1, 100);
    o.recover_after = t.integer_in("recover_after", 1, 100);
    o.customer_delay = t.duration("customer_delay");
    o.update_every = t.positive_duration("update_every");
    return o;
}

} // namespace

void read_policy(const Source& src, const toml::table& table, PolicyConfig& policy) {
    const Table t(src, table, "[policy]");
    t.only({"fail_after", "recover_after", "customer_delay", "update_every", "canary", "timeout",
            "concurrency", "history", "sale"});
    policy = apply_overrides(policy, read_overridable(t));
    if (const toml::table* sale = t.table("sale")) {
        const Table s(src, *sale, "[policy.sale]");
        s.only({"fail_after", "recover_after", "customer_delay", "update_every"});
        policy.sale = read_overridable(s);
    }
    if (auto v = t.strings("canary")) {
        const auto* array = t.get("canary")->as_array();
        for (std::size_t i = 0; i < v->size(); ++i) {
            if (!is_http_url((*v)[i]))
                src.fail(
                    array->get(i)->source(),
                    fmt::format("'canary' takes http:// or https:// URLs, not \"{}\"", (*v)[i]));
            if (const std::string why = url_problem((*v)[i]); !why.empty())
                src.fail(array->get(i)->source(),
                         fmt::format("'canary' URL \"{}\" is not valid: {}", (*v)[i], why));
        }
        policy.canary = *v;
    }
    if (auto v = t.positive_duration("timeout"))
        policy.timeout = *v;
    if (auto v = t.integer_in("concurrency", 1, 10000))
        policy.concurrency = *v;
    if (auto v = t.positive_duration("history"))
        policy.history = *v;
}

} // namespace shopkit::config_detail

namespace shopkit {

PolicyConfig apply_overrides(PolicyConfig policy, const PolicyOverrides& overrides) {
    if (overrides.fail_after)
        policy.fail_after = *overrides.fail_after;
    if (overrides.recover_after)
        policy.recover_after = *overrides.recover_after;
    if (overrides.customer_delay)
        policy.customer_delay = *overrides.customer_delay;
    if (overrides.update_every)
        policy.update_every = *overrides.update_every;
    return policy;
}

} // namespace shopkit
