#include "lib/report/orders_csv.hpp"

#include "lib/core/error.hpp"
#include "lib/report/availability.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit::report {

namespace {

// A field this long is a broken file (an unclosed quote swallowing the rest),
// not an order: stop before it takes the memory.
constexpr std::size_t max_field = 64 * 1024;

// Reads RFC 4180 records one at a time, counting lines.
class CsvReader {
  public:
    CsvReader(std::istream& in, const std::string& name) : in_(in), name_(name) {
        // Skip a UTF-8 byte order mark, as spreadsheets write it; bytes that only
        // begin like one (a full-width character) are kept for the reader.
        static constexpr std::string_view bom = "\xEF\xBB\xBF";
        while (pending_.size() < bom.size() &&
               in_.peek() == std::char_traits<char>::to_int_type(bom[pending_.size()]))
            pending_.push_back(static_cast<char>(in_.get()));
        if (pending_ == bom)
            pending_.clear();
    }

    // The next record into `fields`; false at the end of the input. Skips empty lines.
    bool next(std::vector<std::string>& fields) {
        for (;;) {
            if (peek() == std::char_traits<char>::eof())
                return false;
            start_line_ = line_;
            fields.assign(1, std::string());
            read_record(fields);
            if (fields.size() > 1 || !fields[0].empty())
                return true;
        }
    }

    // The line the last record started on, 1 first.
    std::size_t line() const { return start_line_; }

    [[noreturn]] void fail(std::size_t line, const std::string& why) const {
        throw data_error(fmt::format("{}:{}: {}", name_, line, why));
    }

  private:
    void read_record(std::vector<std::string>& fields) {
        bool quoted = false;     // inside a quoted field
        bool was_quoted = false; // the current field was quoted and has been closed
        for (;;) {
            const int c = get();
            if (c == std::char_traits<char>::eof()) {
                if (quoted)
                    fail(start_line_, "a quoted field is not closed");
                return;
            }
            const char ch = static_cast<char>(c);
            if (quoted) {
                if (ch == '"') {
                    if (peek() == '"') {
                        get();
                        put(fields, '"');
                    } else {
                        quoted = false;
                        was_quoted = true;
                    }
                } else {
                    if (ch == '\n')
                        ++line_;
                    put(fields, ch);
                }
                continue;
            }
            if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && peek() == '\n')
                    get();
                ++line_;
                return;
            }
            if (ch == ',') {
                fields.emplace_back();
                was_quoted = false;
                continue;
            }
            if (ch == '"') {
                if (!fields.back().empty() || was_quoted)
                    fail(line_, "a quote inside a field that is not quoted: quote the whole "
                                "field and double the quote (\"\")");
                quoted = true;
                continue;
            }
            if (was_quoted)
                fail(line_, "after a closing quote comes a comma or the end of the line");
            put(fields, ch);
        }
    }

    // The stream's next byte, after any kept from the byte-order-mark test.
    int peek() {
        return pos_ < pending_.size() ? std::char_traits<char>::to_int_type(pending_[pos_])
                                      : in_.peek();
    }
    int get() {
        return pos_ < pending_.size() ? std::char_traits<char>::to_int_type(pending_[pos_++])
                                      : in_.get();
    }

    void put(std::vector<std::string>& fields, char ch) {
        if (fields.back().size() >= max_field)
            fail(start_line_, fmt::format("a field longer than {} bytes", max_field));
        fields.back().push_back(ch);
    }

    std::istream& in_;
    const std::string& name_;
    std::string pending_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t start_line_ = 1;
};

std::string_view trim(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool digit(char c) {
    return c >= '0' && c <= '9';
}

// "YYYY-MM-DD HH:MM[:SS]" or with 'T', read in zone `tz`.
std::optional<TimePoint> local_date_time(std::string_view s, const std::string& tz) {
    if (s.size() != 16 && s.size() != 19)
        return std::nullopt;
    const std::string_view shape =
        s.size() == 16 ? std::string_view("dddd-dd-ddTdd:dd") : "dddd-dd-ddTdd:dd:dd";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool ok = shape[i] == 'd'   ? digit(s[i])
                        : shape[i] == 'T' ? (s[i] == 'T' || s[i] == ' ')
                                          : s[i] == shape[i];
        if (!ok)
            return std::nullopt;
    }
    const auto number = [&](std::size_t pos, std::size_t n) {
        int v = 0;
        for (std::size_t i = pos; i < pos + n; ++i)
            v = v * 10 + (s[i] - '0');
        return v;
    };
    return local_civil(tz, number(0, 4), number(5, 2), number(8, 2), number(11, 2), number(14, 2),
                       s.size() == 19 ? number(17, 2) : 0);
}

std::optional<TimePoint> order_time(std::string_view s, const std::string& tz) {
    if (auto t = parse_rfc3339(s))
        return t;
    return local_date_time(s, tz);
}

// [-]digits[,ddd…][.digits], the commas only between groups of three.
std::optional<double> amount(std::string_view s) {
    std::string plain;
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-')
        plain.push_back(s[i++]);
    std::size_t group = 0; // digits since the last comma
    bool comma = false;
    const std::size_t int_start = i;
    for (; i < s.size() && (digit(s[i]) || s[i] == ','); ++i) {
        if (s[i] == ',') {
            if (group == 0 || (comma && group != 3) || (!comma && group > 3))
                return std::nullopt;
            comma = true;
            group = 0;
            continue;
        }
        ++group;
        plain.push_back(s[i]);
    }
    if (i == int_start || group == 0 || (comma && group != 3))
        return std::nullopt;
    if (i < s.size() && s[i] == '.') {
        plain.push_back(s[i++]);
        const std::size_t frac = i;
        for (; i < s.size() && digit(s[i]); ++i)
            plain.push_back(s[i]);
        if (i == frac)
            return std::nullopt;
    }
    if (i != s.size())
        return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), value);
    if (ec != std::errc() || end != plain.data() + plain.size())
        return std::nullopt;
    return value;
}

std::optional<std::size_t> column(const std::vector<std::string>& header, std::string_view name) {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (lower(trim(header[i])) == name)
            return i;
    return std::nullopt;
}

int iso_weekday(LocalDate d) { // 0 Monday … 6 Sunday
    const std::chrono::weekday wd{std::chrono::sys_days(std::chrono::year_month_day{
        std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
        std::chrono::day(static_cast<unsigned>(d.day))})};
    return static_cast<int>(wd.iso_encoding() - 1);
}

std::chrono::sys_days sys_day(LocalDate d) {
    return std::chrono::sys_days(std::chrono::year_month_day{
        std::chrono::year(d.year), std::chrono::month(static_cast<unsigned>(d.month)),
        std::chrono::day(static_cast<unsigned>(d.day))});
}

} // namespace

OrdersProfile parse_orders_csv(std::istream& in, const std::string& name, const std::string& tz) {
    CsvReader reader(in, name);
    std::vector<std::string> fields;
    if (!reader.next(fields))
        throw data_error(fmt::format("{}: empty: the first line must name the columns "
                                     "'time' and 'amount'",
                                     name));
    const auto time_col = column(fields, "time");
    const auto amount_col = column(fields, "amount");
    for (const auto& [col, what] : {std::pair(time_col, "time"), std::pair(amount_col, "amount")})
        if (!col)
            reader.fail(reader.line(),
                        fmt::format("the header names no '{}' column (it needs 'time' and "
                                    "'amount'; other columns are ignored)",
                                    what));

    OrdersProfile out;
    std::array<double, 168> sums{};
    while (reader.next(fields)) {
        const std::size_t need = std::max(*time_col, *amount_col) + 1;
        if (fields.size() < need)
            reader.fail(reader.line(), fmt::format("{} fields, but the header puts 'time' and "
                                                   "'amount' in columns {} and {}",
                                                   fields.size(), *time_col + 1, *amount_col + 1));
        const std::string_view time_text = trim(fields[*time_col]);
        const auto t = order_time(time_text, tz);
        if (!t)
            reader.fail(
                reader.line(),
                fmt::format("'{}' is not a time: write RFC 3339 (2026-06-04T12:00:00+09:00) "
                            "or YYYY-MM-DD HH:MM[:SS] in the shop's time zone",
                            time_text));
        const std::string_view amount_text = trim(fields[*amount_col]);
        const auto value = amount(amount_text);
        if (!value)
            reader.fail(reader.line(),
                        fmt::format("'{}' is not an amount: write a number such as 1200, "
                                    "1200.50 or \"1,200\" (no currency sign)",
                                    amount_text));
        sums[static_cast<std::size_t>(hour_of_week(*t, tz))] += *value;
        if (out.orders == 0 || *t < out.first)
            out.first = *t;
        if (out.orders == 0 || *t > out.last)
            out.last = *t;
        ++out.orders;
        out.total += *value;
    }
    if (out.orders == 0)
        throw data_error(fmt::format("{}: no orders below the header", name));

    // How often each weekday occurs in the covered days: the divisor of its hours.
    const LocalDate first = local_date(out.first, tz);
    const LocalDate last = local_date(out.last, tz);
    out.days = static_cast<int>((sys_day(last) - sys_day(first)).count()) + 1;
    std::array<int, 7> weekdays{};
    const int first_weekday = iso_weekday(first);
    for (int i = 0; i < std::min(out.days, 7); ++i)
        weekdays[static_cast<std::size_t>((first_weekday + i) % 7)] += (out.days - i + 6) / 7;

    for (std::size_t slot = 0; slot < sums.size(); ++slot) {
        const int count = weekdays[slot / 24];
        double average = 0;
        if (count > 0) {
            average = sums[slot] / count;
        } else { // a short file: the same hour on the days it covers
            double same_hour = 0;
            for (std::size_t day = 0; day < 7; ++day)
                same_hour += sums[day * 24 + slot % 24];
            average = same_hour / out.days;
        }
        out.baseline.per_hour[slot] = std::max(0.0, average);
    }
    return out;
}

OrdersProfile read_orders_csv(const std::filesystem::path& path, const std::string& tz) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw data_error(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
    return parse_orders_csv(in, path.string(), tz);
}

} // namespace shopkit::report
