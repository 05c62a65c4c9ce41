#include "lib/render/status_model.hpp"

#include "lib/core/crypto.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <sstream>

namespace shopkit::status {

namespace {

// A name-based (version 5) UUID in RFC 4122's URL namespace: the same name always
// gives the same id, so a re-rendered feed keeps its ids.
std::string uuid5(std::string_view name) {
    return "urn:uuid:" + uuid_v5(uuid_namespace_url, name);
}

} // namespace

std::string render_feed(const Site& site) {
    const SiteSnapshot& s = site.s;
    struct Entry {
        const SiteIncident* inc;
        const SiteUpdate* up;
    };
    std::vector<Entry> entries;
    for (const auto& inc : s.incidents)
        for (const auto& u : inc.updates)
            entries.push_back({&inc, &u});
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.up->time > b.up->time; });

    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "utf-8";
    auto feed = doc.append_child("feed");
    feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
    feed.append_attribute("xml:lang") = site.language.c_str();
    const std::string base = base_url(s);
    auto text_el = [](pugi::xml_node parent, const char* name, const std::string& value) {
        auto el = parent.append_child(name);
        el.append_child(pugi::node_pcdata).set_value(value.c_str());
        return el;
    };
    text_el(feed, "id", uuid5("shopkit-status-feed:" + (base.empty() ? s.shop_name : base)));
    text_el(feed, "title", s.shop_name + word(site, "status_suffix"));
    text_el(feed, "updated", iso(site, entries.empty() ? s.generated : entries.front().up->time));
    auto link = feed.append_child("link");
    link.append_attribute("rel") = "alternate";
    link.append_attribute("type") = "text/html";
    link.append_attribute("href") = (base + "index.html").c_str();
    if (!base.empty()) {
        auto self = feed.append_child("link");
        self.append_attribute("rel") = "self";
        self.append_attribute("type") = "application/atom+xml";
        self.append_attribute("href") = (base + "feed.atom").c_str();
    }
    auto author = feed.append_child("author");
    text_el(author, "name", s.shop_name.empty() ? "shop" : s.shop_name);
    if (http_url(s.shop_url))
        text_el(author, "uri", s.shop_url);
    text_el(feed, "generator", "shopkit");
    for (const auto& e : entries) {
        auto entry = feed.append_child("entry");
        text_el(entry, "id",
                e.up->id.empty()
                    ? uuid5("shopkit-status-update:" + e.inc->id + ":" + format_utc(e.up->time) +
                            ":" + std::string(to_string(e.up->event)))
                    : e.up->id);
        text_el(entry, "title", e.up->title.empty() ? incident_title(site, *e.inc) : e.up->title);
        text_el(entry, "updated", iso(site, e.up->time));
        text_el(entry, "published", iso(site, e.up->time));
        auto l = entry.append_child("link");
        l.append_attribute("rel") = "alternate";
        l.append_attribute("type") = "text/html";
        l.append_attribute("href") = (base + "index.html#incident-" + e.inc->id).c_str();
        auto cat = entry.append_child("category");
        cat.append_attribute("term") = std::string(to_string(e.up->event)).c_str();
        auto content = text_el(entry, "content", e.up->text.empty() ? e.up->title : e.up->text);
        content.append_attribute("type") = "text";
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
}

} // namespace shopkit::status
