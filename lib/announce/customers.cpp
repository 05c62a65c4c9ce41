#include "lib/announce/customers.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/text.hpp"
#include "lib/model/incident.hpp"
#include "lib/net/mime.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

namespace shopkit {

namespace {

struct Row {
    std::vector<std::string> fields;
    std::size_t line = 0;
};

// Spaces and tabs around a cell are not part of it.
std::string trim_cell(std::string_view s) {
    return std::string(trim(s, " \t"));
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// A cell as it may appear in a message: control characters shown as spaces, cut
// at 80 bytes (a list is the shop's own data, but a log line stays one line).
std::string shown(std::string_view s) {
    std::string out;
    for (char ch : s.substr(0, 80))
        out += static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch;
    if (s.size() > 80)
        out += "…";
    return out;
}

// RFC 4180 with the usual leniency: a quote inside an unquoted field is kept as
// it is, text after a closing quote is appended to the field. Only a quoted
// field that never ends is an error, since it would swallow the rest of the file.
class CsvReader {
  public:
    CsvReader(std::string_view text, const std::string& name) : text_(text), name_(name) {
        if (text_.starts_with("\xEF\xBB\xBF"))
            pos_ = 3;
    }

    std::optional<Row> next() {
        if (pos_ >= text_.size())
            return std::nullopt;
        Row row;
        row.line = line_;
        std::string field;
        while (true) {
            if (pos_ < text_.size() && text_[pos_] == '"') {
                const std::size_t start_line = line_;
                ++pos_;
                while (true) {
                    if (pos_ >= text_.size())
                        throw config_error(fmt::format(
                            "{}:{}: a quoted field that starts here never ends (a missing '\"')",
                            name_, start_line));
                    const char ch = text_[pos_++];
                    if (ch == '"') {
                        if (pos_ < text_.size() && text_[pos_] == '"') {
                            field += '"';
                            ++pos_;
                            continue;
                        }
                        break;
                    }
                    if (ch == '\n' || (ch == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n')))
                        ++line_;
                    field += ch;
                }
            }
            // The unquoted part (or what follows a closing quote) up to ',' or a line end.
            while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
                   text_[pos_] != '\r')
                field += text_[pos_++];
            row.fields.push_back(std::move(field));
            field.clear();
            if (pos_ >= text_.size())
                break;
            const char ch = text_[pos_++];
            if (ch == ',')
                continue;
            if (ch == '\r' && pos_ < text_.size() && text_[pos_] == '\n')
                ++pos_;
            ++line_;
            break;
        }
        return row;
    }

  private:
    std::string_view text_;
    const std::string& name_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

bool blank(const Row& row) {
    return std::all_of(row.fields.begin(), row.fields.end(),
                       [](const std::string& f) { return trim_cell(f).empty(); });
}

bool truthy(const std::string& cell) {
    const std::string v = lower(trim_cell(cell));
    return v == "true" || v == "yes" || v == "y" || v == "1";
}

// A token goes into a URL and a header as it is: unreserved characters only.
bool token_ok(const std::string& token) {
    return token.size() <= 200 && std::all_of(token.begin(), token.end(), [](char ch) {
               return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ||
                      ch == '.' || ch == '~';
           });
}

} // namespace

CustomerList parse_customers(std::string_view text, const std::string& name) {
    CsvReader reader(text, name);
    std::optional<Row> header;
    while ((header = reader.next()) && blank(*header)) {
    }
    if (!header)
        throw config_error(fmt::format("{}: the customer list is empty (it needs a header row "
                                       "naming email, name, segment and opted_in)",
                                       name));
    std::map<std::string, std::size_t> columns;
    for (std::size_t i = 0; i < header->fields.size(); ++i) {
        const std::string column = lower(trim_cell(header->fields[i]));
        if (column.empty())
            continue;
        if (!columns.emplace(column, i).second &&
            (column == "email" || column == "name" || column == "segment" || column == "opted_in" ||
             column == "token"))
            throw config_error(
                fmt::format("{}:{}: the column '{}' is named twice", name, header->line, column));
    }
    for (const char* required : {"email", "opted_in"}) {
        if (!columns.contains(required))
            throw config_error(fmt::format(
                "{}:{}: the header row has no '{}' column (it names the columns: email, name, "
                "segment, opted_in)",
                name, header->line, required));
    }
    auto cell = [&](const Row& row, const char* column) -> std::string {
        const auto it = columns.find(column);
        if (it == columns.end() || it->second >= row.fields.size())
            return {};
        return row.fields[it->second];
    };

    CustomerList list;
    std::map<std::string, std::size_t> seen; // lower-cased address -> index in customers
    while (auto row = reader.next()) {
        if (blank(*row))
            continue;
        Customer c;
        c.line = row->line;
        c.email = trim_cell(cell(*row, "email"));
        c.name = trim_cell(cell(*row, "name"));
        c.segment = trim_cell(cell(*row, "segment"));
        c.opted_in = truthy(cell(*row, "opted_in"));
        c.token = trim_cell(cell(*row, "token"));
        const std::string where = fmt::format("{}:{}", name, row->line);
        if (c.email.empty()) {
            list.problems.push_back(where + ": no email; row skipped");
            continue;
        }
        if (c.email.find('@') == std::string::npos) {
            list.problems.push_back(
                fmt::format("{}: \"{}\" is not an e-mail address (no '@'); row skipped", where,
                            shown(c.email)));
            continue;
        }
        if (!mime::valid_address(c.email)) {
            list.problems.push_back(fmt::format(
                "{}: \"{}\" is not an e-mail address this program can send to; row skipped", where,
                shown(c.email)));
            continue;
        }
        if (!token_ok(c.token)) {
            list.problems.push_back(fmt::format(
                "{}: the token of \"{}\" has a character a URL cannot carry as it is (only "
                "A-Z a-z 0-9 - _ . ~, at most 200); row skipped",
                where, shown(c.email)));
            continue;
        }
        const auto [it, fresh] = seen.emplace(lower(c.email), list.customers.size());
        if (!fresh) {
            Customer& first = list.customers[it->second];
            // Never mail someone who opted out in any of their rows.
            std::string also;
            if (first.opted_in && !c.opted_in) {
                first.opted_in = false;
                also = "; it opts out here, so the address is not mailed";
            }
            list.problems.push_back(fmt::format("{}: \"{}\" is already on line {}; row skipped{}",
                                                where, shown(c.email), first.line, also));
            continue;
        }
        list.customers.push_back(std::move(c));
    }
    return list;
}

CustomerList load_customers(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw config_error(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw config_error(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
    return parse_customers(text.str(), path.string());
}

std::vector<Customer> select_customers(const CustomerList& list,
                                       const std::vector<std::string>& segments) {
    std::vector<Customer> out;
    for (const Customer& c : list.customers) {
        if (!c.opted_in)
            continue;
        if (!segments.empty() &&
            std::find(segments.begin(), segments.end(), c.segment) == segments.end())
            continue;
        out.push_back(c);
    }
    return out;
}

std::string unsubscribe_token(std::string_view secret, std::string_view address) {
    std::string b = base64(hmac_sha256(secret, lower(std::string(address))));
    for (char& ch : b)
        ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    return b.substr(0, 22);
}

std::string unsubscribe_url(const std::string& url, const std::string& token) {
    if (url.empty() || token.empty())
        return url;
    if (const auto at = url.find("{token}"); at != std::string::npos)
        return url.substr(0, at) + token + url.substr(at + 7);
    const auto hash = url.find('#');
    const std::string base = url.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? std::string() : url.substr(hash);
    return base + (base.find('?') == std::string::npos ? "?t=" : "&t=") + token + fragment;
}

std::vector<std::string> unknown_customer_fields(const std::string& source) {
    static const std::regex tag(R"(\{\{\{?[#^/&]?\s*customer\.([A-Za-z0-9_]+))");
    std::vector<std::string> out;
    for (std::sregex_iterator it(source.begin(), source.end(), tag), end; it != end; ++it) {
        const std::string field = (*it)[1];
        if (std::find(std::begin(customer_fields), std::end(customer_fields), field) ==
                std::end(customer_fields) &&
            std::find(out.begin(), out.end(), field) == out.end())
            out.push_back(field);
    }
    return out;
}

void check_customer_templates(const TemplateSearch& search, const std::string& name,
                              const std::string& who) {
    for (Event event : {Event::opened, Event::updated, Event::resolved, Event::maintenance}) {
        for (const std::string& n : {name, name + ".html"}) {
            std::optional<Template> tmpl;
            try {
                tmpl = find_template(search, std::string(to_string(event)), n);
            } catch (const Error&) {
                continue; // no template for this event: the run says so when it needs one
            }
            const auto unknown = unknown_customer_fields(tmpl->source);
            if (!unknown.empty())
                throw config_error(fmt::format(
                    "{}: {} uses {{{{customer.{}}}}}, which is not a customer variable (email, "
                    "name, segment, token)",
                    who, tmpl->path, unknown.front()));
        }
    }
}

} // namespace shopkit
