// The record reader (the pipe format, shopkit(7)): the bytes are a filter's
// stdin. Every line is passed on or refused as "NAME:LINE: why"; no other
// exception, crash or sanitizer report. A record read back is written out and
// read again unchanged, and an incident record survives a round trip.
#include "fuzz_support.hpp"

#include "lib/core/error.hpp"
#include "lib/record/record.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

using namespace shopkit;

namespace {

const TimePoint now = TimePoint(std::chrono::seconds(1780531200)); // 2026-06-04T00:00:00Z

void round_trip(const Json& record) {
    std::ostringstream out;
    write_record(out, record);
    const std::string line = out.str();
    FUZZ_CHECK(!line.empty() && line.back() == '\n');
    FUZZ_CHECK(line.find('\n') == line.size() - 1);
    std::istringstream in(line);
    RecordReader again(in, "<again>");
    const auto back = again.next();
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(*back == record);
    (void)field_text(record, "id");
    (void)field_text(record, "time");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);

    // The reader alone, as shopreport reads it: every line a record or a data_error.
    {
        std::istringstream in(bytes);
        RecordReader reader(in, "<stdin>");
        for (std::size_t guard = 0; guard <= size + 1; ++guard) {
            try {
                const auto record = reader.next();
                if (!record)
                    break;
                FUZZ_CHECK(record->is_object());
                round_trip(*record);
            } catch (const Error& e) {
                FUZZ_CHECK(e.status() == 65);
            }
        }
    }

    // A filter's input, as shopannounce and shoprecover read it.
    std::istringstream in(bytes);
    std::size_t passed = 0;
    const auto events = read_incident_events(
        in, "<stdin>", now, [&passed](const std::string&) { ++passed; },
        [](const std::string& message) { FUZZ_CHECK(message.starts_with("<stdin>:")); });
    FUZZ_CHECK(passed <= size);
    for (const IncidentEvent& e : events) {
        for (const char* tz : {"", "Asia/Tokyo"}) {
            const Json written = incident_record(e, tz);
            round_trip(written);
            const IncidentEvent back = incident_from_record(written, now);
            FUZZ_CHECK(back.event == e.event);
            FUZZ_CHECK(back.incident.id == e.incident.id);
            FUZZ_CHECK(back.incident.channel == e.incident.channel);
            FUZZ_CHECK(back.incident.checks == e.incident.checks);
        }
    }
    return 0;
}
