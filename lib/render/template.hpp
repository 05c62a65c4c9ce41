// Notice templates: Mustache (kainjow-mustache) files named
// <event>.<kind>.mustache with an <event>.mustache fallback, looked up in the
// shop's own directory first, then the installed share/shopkit/templates/<language>,
// then the copy built into the program (so a binary works before it is installed).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace shopkit {

struct Template {
    std::string source;
    std::string
        path; // where it came from, for messages ("builtin:ja/opened.mustache" when built in)
};

struct TemplateSearch {
    std::optional<std::filesystem::path>
        shop_dir; // [shop] templates: searched as is, then under <language>/
    std::string language = "en";
};

// The template for `event` and `name` (the target's `template`, else its kind):
// <event>.<name>.mustache, else <event>.mustache, in each place in order.
// Throws config_error "no template for EVENT.NAME (language LANG)" when none exists.
Template find_template(const TemplateSearch& search, const std::string& event,
                       const std::string& name);

// Renders Mustache with `context`. Plain text output leaves values as they are;
// `html` escapes them as render_html_page does. Sections iterate arrays, dotted
// names reach into objects, "{{alternatives.0.url}}" indexes arrays. Throws
// config_error "PATH: why" on a template syntax error.
std::string render_template(const Template& tmpl, const nlohmann::json& context, bool html = false);

// A file of the status page (share/templates/site/<file>, e.g. "index.html.mustache" or
// "words.ja.json"): the shop's <shop_dir>/site/<file>, else the installed one, else the
// built-in copy. nullopt when none exists or `file` is not a plain file name.
std::optional<Template> find_site_file(const std::optional<std::filesystem::path>& shop_dir,
                                       const std::string& file);

// Where {{> name}} finds its text; nullopt renders the partial as nothing.
using PartialLookup = std::function<std::optional<Template>(const std::string& name)>;

// Renders an HTML page: every {{value}} HTML-escaped (' as &#39;), {{> name}} from
// `partial`. Throws config_error "PATH: why" on a syntax error (in a partial too).
std::string render_html_page(const Template& tmpl, const nlohmann::json& context,
                             const PartialLookup& partial);

// The built-in copy of share/templates/<relative> (e.g. "ja/opened.mustache"), if shipped.
std::optional<std::string> builtin_template(const std::string& relative);

} // namespace shopkit
