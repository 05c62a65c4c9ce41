// Template rendering with hostile variables: the shipped notice templates and
// fuzzed ones, with values full of Mustache tags, HTML and bad UTF-8. A
// template is rendered or refused with a config_error; a value is never read
// as a template, and in HTML it is always escaped.
#include "fuzz_support.hpp"

#include "lib/core/error.hpp"
#include "lib/core/text.hpp"
#include "lib/render/template.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit::embedded {
extern const std::pair<std::string_view, std::string_view> templates[];
extern const std::size_t template_count;
} // namespace shopkit::embedded

using namespace shopkit;
using nlohmann::json;

namespace {

// The names a template's tags use ("shop.name", "alternatives", …).
std::vector<std::string> tag_names(std::string_view source) {
    std::vector<std::string> names;
    for (std::size_t at = source.find("{{"); at != std::string_view::npos && names.size() < 64;
         at = source.find("{{", at + 2)) {
        std::size_t begin = at + 2;
        while (begin < source.size() &&
               std::string_view("#^/&{>! ").find(source[begin]) != std::string_view::npos)
            ++begin;
        std::size_t end = begin;
        while (end < source.size() && source[end] != '}' && source[end] != ' ')
            ++end;
        if (end > begin && end - begin < 64)
            names.emplace_back(source.substr(begin, end - begin));
    }
    return names;
}

json hostile_value(FuzzedDataProvider& in, int depth) {
    switch (in.ConsumeIntegralInRange(0, depth > 2 ? 3 : 5)) {
    case 0:
        return in.ConsumeRandomLengthString(64);
    case 1:
        return in.ConsumeBool();
    case 2:
        return in.ConsumeIntegral<std::int64_t>();
    case 3:
        return nullptr;
    case 4: {
        json list = json::array();
        for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
            list.push_back(hostile_value(in, depth + 1));
        return list;
    }
    default: {
        json object = json::object();
        for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
            object[in.ConsumeRandomLengthString(8)] = hostile_value(in, depth + 1);
        return object;
    }
    }
}

// Each name of `names` set (dotted ones as nested objects) to a hostile value.
json hostile_context(const std::vector<std::string>& names, FuzzedDataProvider& in) {
    json context = json::object();
    for (const std::string& name : names) {
        json* at = &context;
        std::string_view rest = name;
        for (std::size_t dot; (dot = rest.find('.')) != std::string_view::npos;) {
            const std::string part(rest.substr(0, dot));
            if (!at->is_object())
                *at = json::object();
            at = &(*at)[part];
            rest.remove_prefix(dot + 1);
        }
        if (!at->is_object())
            *at = json::object();
        (*at)[std::string(rest)] = hostile_value(in, 0);
    }
    return context;
}

void render(const Template& tmpl, const json& context, bool html,
            const std::optional<std::string>& partial) {
    try {
        if (partial) {
            const PartialLookup lookup = [&partial](const std::string&) {
                return std::optional<Template>(Template{*partial, "fuzz/partial"});
            };
            (void)render_html_page(tmpl, context, lookup);
        } else {
            (void)render_template(tmpl, context, html);
        }
    } catch (const Error& e) {
        FUZZ_CHECK(e.status() == 78);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: {
        // A shipped template, every variable it names hostile.
        const std::size_t i =
            in.ConsumeIntegralInRange<std::size_t>(0, embedded::template_count - 1);
        const Template tmpl{std::string(embedded::templates[i].second),
                            "builtin:" + std::string(embedded::templates[i].first)};
        const bool html = in.ConsumeBool();
        render(tmpl, hostile_context(tag_names(tmpl.source), in), html, std::nullopt);
        break;
    }
    case 1: {
        // A fuzzed template (and partial) over a fuzzed context.
        const Template tmpl{in.ConsumeRandomLengthString(2048), "fuzz/template"};
        const bool html = in.ConsumeBool();
        std::optional<std::string> partial;
        if (in.ConsumeBool())
            partial = in.ConsumeRandomLengthString(256);
        render(tmpl, hostile_context(tag_names(tmpl.source), in), html, partial);
        break;
    }
    default: {
        // A value is printed as it is: never expanded, and escaped in HTML.
        const std::string value = in.ConsumeRandomLengthString(512);
        const bool html = in.ConsumeBool();
        const json context = {{"v", value}};
        const std::string plain = render_template({"[{{v}}]", "fuzz/v"}, context, html);
        FUZZ_CHECK(plain == "[" + (html ? escape_html(value) : value) + "]");
        const std::string raw = render_template({"[{{{v}}}]", "fuzz/v"}, context, html);
        FUZZ_CHECK(raw == "[" + value + "]");
        const std::string page =
            render_html_page({"<p>{{v}}</p>", "fuzz/v"}, context,
                             [](const std::string&) { return std::optional<Template>(); });
        FUZZ_CHECK(page == "<p>" + escape_html(value) + "</p>");
        break;
    }
    }
    return 0;
}
