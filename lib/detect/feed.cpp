#include "lib/detect/feed.hpp"

#include "lib/core/text.hpp"

#include <pugixml.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

namespace shopkit {

namespace {

// Element names without a namespace prefix ("atom:entry" -> "entry"): feeds in
// the wild prefix their elements as they please, and pugixml does not resolve
// namespaces.
std::string_view local_name(const pugi::xml_node& node) {
    std::string_view name = node.name();
    const auto colon = name.rfind(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
    for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element && local_name(c) == name)
            return c;
    return {};
}

// All the text below a node: an Atom title may be type="xhtml" with markup inside.
std::string text_of(const pugi::xml_node& node) {
    std::string out;
    for (pugi::xml_node n = node.first_child(); n;) {
        if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata)
            out += n.value();
        if (n.first_child()) {
            n = n.first_child();
            continue;
        }
        while (n && n != node && !n.next_sibling())
            n = n.parent();
        if (!n || n == node)
            break;
        n = n.next_sibling();
    }
    return std::string(trim(out));
}

std::optional<TimePoint> feed_time(std::string_view text) {
    text = trim(text);
    if (text.empty())
        return std::nullopt;
    if (auto t = parse_rfc822(text))
        return t;
    // Some RSS feeds put an ISO date into pubDate; RSS 1.0 uses dc:date.
    return parse_rfc3339(text);
}

FeedEntry rss_item(const pugi::xml_node& item) {
    FeedEntry e;
    e.title = text_of(child(item, "title"));
    e.link = text_of(child(item, "link"));
    for (std::string_view name : {"pubDate", "date", "updated", "published"}) {
        if (pugi::xml_node n = child(item, name)) {
            e.time = feed_time(n.child_value());
            if (e.time)
                break;
        }
    }
    return e;
}

FeedEntry atom_entry(const pugi::xml_node& entry) {
    FeedEntry e;
    e.title = text_of(child(entry, "title"));
    for (pugi::xml_node c = entry.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element || local_name(c) != "link")
            continue;
        const std::string_view rel = c.attribute("rel").value();
        if (rel.empty() || rel == "alternate") {
            e.link = c.attribute("href").value();
            break;
        }
        if (e.link.empty())
            e.link = c.attribute("href").value();
    }
    for (std::string_view name : {"updated", "published"}) {
        if (pugi::xml_node n = child(entry, name)) {
            e.time = feed_time(n.child_value());
            if (e.time)
                break;
        }
    }
    return e;
}

int two_digits(std::string_view s, std::size_t at) {
    if (at + 2 > s.size() || !std::isdigit(static_cast<unsigned char>(s[at])) ||
        !std::isdigit(static_cast<unsigned char>(s[at + 1])))
        return -1;
    return (s[at] - '0') * 10 + (s[at + 1] - '0');
}

// Splits on spaces (several in a row count as one).
std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ')
            ++i;
        const std::size_t start = i;
        while (i < s.size() && s[i] != ' ')
            ++i;
        if (i > start)
            out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Zone offset in minutes east of UTC, or nullopt.
std::optional<int> zone_offset(std::string_view z) {
    if (z.size() == 5 && (z[0] == '+' || z[0] == '-')) {
        const int h = two_digits(z, 1), m = two_digits(z, 3);
        if (h < 0 || m < 0 || m > 59)
            return std::nullopt;
        return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
    }
    struct Named {
        std::string_view name;
        int minutes;
    };
    // RFC 822's names, and JST: Japanese feeds write it.
    static constexpr std::array<Named, 13> named = {{{"GMT", 0},
                                                     {"UT", 0},
                                                     {"UTC", 0},
                                                     {"Z", 0},
                                                     {"EST", -300},
                                                     {"EDT", -240},
                                                     {"CST", -360},
                                                     {"CDT", -300},
                                                     {"MST", -420},
                                                     {"MDT", -360},
                                                     {"PST", -480},
                                                     {"PDT", -420},
                                                     {"JST", 540}}};
    for (const Named& n : named)
        if (iequal(z, n.name))
            return n.minutes;
    return std::nullopt;
}

} // namespace

std::optional<TimePoint> parse_rfc822(std::string_view text) {
    std::string cleaned(trim(text));
    std::replace(cleaned.begin(), cleaned.end(), '\t', ' ');
    std::vector<std::string_view> w = words(cleaned);
    // An optional "Thu," in front.
    if (!w.empty() && !w[0].empty() && w[0].back() == ',')
        w.erase(w.begin());
    if (w.size() < 4 || w.size() > 5)
        return std::nullopt;

    int day = 0;
    for (char c : w[0]) {
        if (!std::isdigit(static_cast<unsigned char>(c)) || day > 31)
            return std::nullopt;
        day = day * 10 + (c - '0');
    }
    const auto month = static_cast<unsigned>(
        w[1].size() >= 3 ? month_from_abbreviation(w[1].substr(0, 3), true) : 0);
    if (month == 0)
        return std::nullopt;
    int year = 0;
    if (w[2].size() != 2 && w[2].size() != 4)
        return std::nullopt;
    for (char c : w[2]) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            return std::nullopt;
        year = year * 10 + (c - '0');
    }
    if (w[2].size() == 2)
        year += year < 50 ? 2000 : 1900;

    const std::string_view clock = w[3];
    const int hour = two_digits(clock, 0);
    const int minute = clock.size() >= 5 && clock[2] == ':' ? two_digits(clock, 3) : -1;
    int second = 0;
    if (clock.size() == 8 && clock[5] == ':')
        second = two_digits(clock, 6);
    else if (clock.size() != 5)
        return std::nullopt;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
        return std::nullopt;

    int offset = 0; // no zone: read as UTC
    if (w.size() == 5) {
        const auto z = zone_offset(w[4]);
        if (!z)
            return std::nullopt;
        offset = *z;
    }
    const auto t = utc_civil(year, static_cast<int>(month), day, hour, minute, second);
    if (!t)
        return std::nullopt;
    return *t - std::chrono::minutes(offset);
}

std::optional<std::vector<FeedEntry>> parse_feed(const std::string& body, std::string* why) {
    auto fail = [&](std::string reason) -> std::optional<std::vector<FeedEntry>> {
        if (why != nullptr)
            *why = std::move(reason);
        return std::nullopt;
    };
    pugi::xml_document doc;
    // No DOCTYPE processing: pugixml never fetches or expands external entities.
    const pugi::xml_parse_result parsed =
        doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed)
        return fail(std::string("not XML: ") + parsed.description() + " at byte " +
                    std::to_string(parsed.offset));
    const pugi::xml_node root = doc.document_element();
    const std::string_view kind = local_name(root);
    std::vector<FeedEntry> entries;
    if (kind == "rss") {
        const pugi::xml_node channel = child(root, "channel");
        if (!channel)
            return fail("RSS without a channel");
        for (pugi::xml_node n = channel.first_child(); n; n = n.next_sibling())
            if (n.type() == pugi::node_element && local_name(n) == "item")
                entries.push_back(rss_item(n));
    } else if (kind == "RDF") {
        // RSS 1.0: the items are siblings of the channel.
        for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling())
            if (n.type() == pugi::node_element && local_name(n) == "item")
                entries.push_back(rss_item(n));
    } else if (kind == "feed") {
        for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling())
            if (n.type() == pugi::node_element && local_name(n) == "entry")
                entries.push_back(atom_entry(n));
    } else {
        return fail("not an RSS or Atom feed (root element <" + std::string(root.name()) + ">)");
    }
    return entries;
}

FeedVerdict judge_feed(const std::string& body, const std::string& match, const std::string& clear,
                       std::optional<Millis> max_age, TimePoint now) {
    FeedVerdict verdict;
    std::string why;
    auto entries = parse_feed(body, &why);
    if (!entries) {
        verdict.detail = why;
        return verdict;
    }
    RE2::Options options;
    options.set_log_errors(false);
    const RE2 match_re(match, options);
    const RE2 clear_re(clear, options);
    if (!match_re.ok() || !clear_re.ok()) {
        verdict.detail = "bad pattern: " + (match_re.ok() ? clear_re.error() : match_re.error());
        return verdict;
    }
    verdict.parsed = true;

    // Feeds list newest first by convention, but not all do: when every entry
    // has a date, the dates decide.
    const bool all_dated = std::all_of(entries->begin(), entries->end(),
                                       [](const FeedEntry& e) { return e.time.has_value(); });
    if (all_dated)
        std::stable_sort(entries->begin(), entries->end(),
                         [](const FeedEntry& a, const FeedEntry& b) { return *a.time > *b.time; });

    for (const FeedEntry& e : *entries) {
        if (max_age && e.time && *e.time < now - *max_age)
            continue;
        const bool cleared = !clear.empty() && RE2::PartialMatch(e.title, clear_re);
        const bool matched = !match.empty() && RE2::PartialMatch(e.title, match_re);
        if (!cleared && !matched)
            continue;
        verdict.problem = matched && !cleared;
        verdict.detail = e.title;
        return verdict;
    }
    return verdict;
}

} // namespace shopkit
