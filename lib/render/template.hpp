// Notice templates: Mustache (kainjow-mustache) files named
// <event>.<kind>.mustache with an <event>.mustache fallback (staff targets:
// <event>.<kind>.staff.mustache first, <event>.staff.mustache before the
// generic one), looked up in the
// shop's own directory first, then the installed share/shopkit/templates/<language>,
// then the copy built into the program (so a binary works before it is installed).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// What a target asks of the lookup.
struct TemplateWant {
    std::string kind;                // the target's kind ("slack")
    std::optional<std::string> name; // its `template` parameter, if any
    bool staff = false;              // audience = "staff"
};

// The file names tried for `event`, in rounds: each round is tried in every place
// in order (the shop's directory, its <language>/, the installed templates, the
// built-in copy) before the next. Customers: one round, <event>.<name or
// kind>.mustache then <event>.mustache. Staff: <event>.<name>.mustache (with a
// `template` only), then <event>.<kind>.staff.mustache, then <event>.<name or
// kind>.mustache, <event>.staff.mustache, <event>.mustache. Throws config_error
// for a name with '/' or "..".
std::vector<std::vector<std::string>> template_rounds(const std::string& event,
                                                      const TemplateWant& want);

// The first template of template_rounds(event, want) that exists. Throws
// config_error "no template for EVENT.NAME (language LANG): looked for …" when none does.
Template find_template(const TemplateSearch& search, const std::string& event,
                       const TemplateWant& want);

// find_template for a customers target of kind (or `template`) `name`.
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
