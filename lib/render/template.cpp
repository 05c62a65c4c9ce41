#include "lib/render/template.hpp"

#include "lib/core/text.hpp"

#include "lib/core/error.hpp"

#include <fmt/core.h>
#include <kainjow/mustache.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace shopkit::embedded {
extern const std::pair<std::string_view, std::string_view> templates[];
extern const std::size_t template_count;
} // namespace shopkit::embedded

namespace shopkit {

namespace {

using Data = kainjow::mustache::data;

// JSON → Mustache data. Numbers become their text; null, false and the empty
// string are false (as in mustache.js), so "{{#message}}…{{/message}}" is left
// out when there is no message, and "{{message}}" still renders as nothing.
Data to_data(const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::object: {
        Data d{Data::type::object};
        for (const auto& [k, v] : j.items())
            d.set(k, to_data(v));
        return d;
    }
    case nlohmann::json::value_t::array: {
        Data d{Data::type::list};
        for (const auto& v : j)
            d.push_back(to_data(v));
        return d;
    }
    case nlohmann::json::value_t::string:
        if (j.get_ref<const std::string&>().empty())
            return Data{false};
        return Data{j.get<std::string>()};
    case nlohmann::json::value_t::boolean:
        return Data{j.get<bool>()};
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
        return Data{false};
    default:
        return Data{j.dump()};
    }
}

// kainjow's own context resolves "a.b" through objects only; ours also takes a
// number as a list index, so "{{alternatives.0.url}}" names the first alternative.
class IndexingContext final : public kainjow::mustache::basic_context<std::string> {
  public:
    explicit IndexingContext(const Data* root, const PartialLookup* partials = nullptr)
        : partials_(partials), stack_top_(stack_here()) {
        items_.push_back(root);
    }
    void push(const Data* d) override { items_.insert(items_.begin(), d); }
    void pop() override { items_.erase(items_.begin()); }

    const Data* get(const std::string& name) const override {
        if (name == ".")
            return items_.front();
        std::vector<std::string_view> parts;
        std::string_view rest = name;
        for (;;) {
            const auto dot = rest.find('.');
            parts.push_back(rest.substr(0, dot));
            if (dot == std::string_view::npos)
                break;
            rest.remove_prefix(dot + 1);
        }
        for (const Data* item : items_) {
            const Data* v = item;
            for (const auto part : parts) {
                v = step(v, part);
                if (v == nullptr)
                    break;
            }
            if (v != nullptr)
                return v;
        }
        return nullptr;
    }
    const Data* get_partial(const std::string& name) const override {
        if (partials_ == nullptr || !*partials_)
            return nullptr;
        // kainjow renders a partial by recursion and says nothing when it ends,
        // so a partial that includes itself (directly or through others, under
        // any delimiters) is caught by the stack it has used, long before the
        // stack runs out: a real page nests a few partials, a few KiB.
        if (stack_top_ - stack_here() > max_partial_stack)
            throw config_error(fmt::format("partial \"{}\": partials nested too deeply (does "
                                           "a partial include itself?)",
                                           name));
        if (const auto it = partial_cache_.find(name); it != partial_cache_.end())
            return &it->second;
        const auto found = (*partials_)(name);
        if (!found)
            return nullptr;
        return &partial_cache_.emplace(name, Data{found->source}).first->second;
    }

  private:
    static constexpr std::ptrdiff_t max_partial_stack = 512 * 1024;
    static const char* stack_here() { return static_cast<const char*>(__builtin_frame_address(0)); }
    static const Data* step(const Data* v, std::string_view part) {
        if (v->is_object())
            return v->get(std::string(part));
        if (v->is_list()) {
            std::size_t i = 0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), i);
            if (ec != std::errc() || end != part.data() + part.size() ||
                i >= v->list_value().size())
                return nullptr;
            return &v->list_value()[i];
        }
        return nullptr;
    }
    std::vector<const Data*> items_;
    const PartialLookup* partials_ = nullptr;
    const char* stack_top_; // where rendering began (the stack grows down)
    // kainjow keeps a pointer to the partial's data while it renders it.
    mutable std::map<std::string, Data> partial_cache_;
};

std::optional<std::string> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool safe_name(const std::string& s) {
    // A template name becomes part of a file name: no path tricks.
    return !s.empty() && s.find('/') == std::string::npos && s.find("..") == std::string::npos;
}

} // namespace

std::optional<std::string> builtin_template(const std::string& relative) {
    for (std::size_t i = 0; i < embedded::template_count; ++i) {
        if (embedded::templates[i].first == relative)
            return std::string(embedded::templates[i].second);
    }
    return std::nullopt;
}

std::optional<Template> find_site_file(const std::optional<std::filesystem::path>& shop_dir,
                                       const std::string& file) {
    if (!safe_name(file))
        return std::nullopt;
    std::vector<std::filesystem::path> dirs;
    if (shop_dir)
        dirs.push_back(*shop_dir / "site");
    dirs.push_back(std::filesystem::path(SHOPKIT_DATADIR) / "templates" / "site");
    for (const auto& dir : dirs) {
        const auto p = dir / file;
        if (auto text = read_file(p))
            return Template{std::move(*text), p.string()};
    }
    if (auto text = builtin_template("site/" + file))
        return Template{std::move(*text), "builtin:site/" + file};
    return std::nullopt;
}

std::vector<std::vector<std::string>> template_rounds(const std::string& event,
                                                      const TemplateWant& want) {
    const std::string name = want.name.value_or(want.kind);
    if (!safe_name(event) || !safe_name(name) || !safe_name(want.kind))
        throw config_error(fmt::format("bad template name \"{}.{}\"", event, name));
    std::vector<std::vector<std::string>> rounds;
    if (!want.staff) {
        rounds.push_back({event + "." + name + ".mustache", event + ".mustache"});
        return rounds;
    }
    // A `template` names what the shop wants, wherever it is. Then a staff text
    // made for the kind (Slack's mrkdwn, a Teams card); then, as for customers,
    // place before name, with the generic staff text before the customers' one
    // but after the kind's own (X's 280 characters fit no generic text).
    if (want.name)
        rounds.push_back({event + "." + *want.name + ".mustache"});
    rounds.push_back({event + "." + want.kind + ".staff.mustache"});
    rounds.push_back(
        {event + "." + name + ".mustache", event + ".staff.mustache", event + ".mustache"});
    return rounds;
}

Template find_template(const TemplateSearch& search, const std::string& event,
                       const TemplateWant& want) {
    const auto rounds = template_rounds(event, want);
    const std::string language = safe_name(search.language) ? search.language : "en";

    std::vector<std::filesystem::path> dirs;
    if (search.shop_dir) {
        dirs.push_back(*search.shop_dir);
        dirs.push_back(*search.shop_dir / language);
    }
    dirs.push_back(std::filesystem::path(SHOPKIT_DATADIR) / "templates" / language);

    // Place before name within a round: a shop that writes its own opened.mustache
    // means it for every kind, even where a shipped opened.x.mustache exists.
    std::string tried;
    for (const auto& files : rounds) {
        for (const auto& dir : dirs) {
            for (const auto& file : files) {
                const auto p = dir / file;
                if (auto text = read_file(p))
                    return Template{std::move(*text), p.string()};
            }
        }
        for (const auto& file : files) {
            if (auto text = builtin_template(language + "/" + file))
                return Template{std::move(*text), "builtin:" + language + "/" + file};
            tried += (tried.empty() ? "" : ", ") + file;
        }
    }
    throw config_error(fmt::format("no template for {}.{} (language {}): looked for {}", event,
                                   want.name.value_or(want.kind), language, tried));
}

Template find_template(const TemplateSearch& search, const std::string& event,
                       const std::string& name) {
    return find_template(search, event, TemplateWant{name, std::nullopt, false});
}

std::string render_template(const Template& tmpl, const nlohmann::json& context, bool html) {
    kainjow::mustache::mustache m{tmpl.source};
    if (!m.is_valid())
        throw config_error(fmt::format("{}: {}", tmpl.path, m.error_message()));
    // With html, the same escaping as render_html_page (kainjow's own writes &apos;).
    if (html)
        m.set_custom_escape([](const std::string& s) { return escape_html(s); });
    else
        m.set_custom_escape([](const std::string& s) { return s; });
    const Data data = to_data(context);
    IndexingContext ctx{&data};
    std::string out = m.render(ctx);
    if (!m.is_valid())
        throw config_error(fmt::format("{}: {}", tmpl.path, m.error_message()));
    return out;
}

std::string render_html_page(const Template& tmpl, const nlohmann::json& context,
                             const PartialLookup& partial) {
    kainjow::mustache::mustache m{tmpl.source};
    if (!m.is_valid())
        throw config_error(fmt::format("{}: {}", tmpl.path, m.error_message()));
    m.set_custom_escape([](const std::string& s) { return escape_html(s); });
    const Data data = to_data(context);
    IndexingContext ctx{&data, &partial};
    std::string out = m.render(ctx);
    if (!m.is_valid())
        throw config_error(fmt::format("{}: {}", tmpl.path, m.error_message()));
    return out;
}

} // namespace shopkit
