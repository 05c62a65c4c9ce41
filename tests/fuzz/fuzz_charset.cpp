// The charset converter for probed pages and feeds: a body in a declared (or
// fuzzed) character set becomes UTF-8, or stays as it was when nothing usable
// is declared. Whatever was converted is valid UTF-8.
#include "fuzz_support.hpp"

#include "lib/core/text.hpp"
#include "lib/detect/charset.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    // The Content-Type header: the sets Japanese shops send, others iconv knows,
    // one it does not, none (the body may declare it), or fuzzed text.
    static constexpr std::array<const char*, 16> sets = {
        "",           "shift_jis", "euc-jp",   "iso-2022-jp",  "utf-8",   "windows-1252",
        "iso-8859-1", "utf-16",    "utf-16le", "utf-32",       "gb18030", "big5",
        "koi8-r",     "utf-7",     "ucs-2",    "x-no-such-set"};
    std::string content_type;
    const std::size_t pick = in.ConsumeIntegralInRange<std::size_t>(0, sets.size());
    if (pick < sets.size())
        content_type = pick == 0 ? "" : std::string("text/html; charset=") + sets[pick];
    else
        content_type = in.ConsumeRandomLengthString(64);
    const std::string body = in.ConsumeRemainingBytesAsString();

    const std::string declared = shopkit::declared_charset(body, content_type);
    FUZZ_CHECK(declared.size() <= body.size() + content_type.size());
    const std::string out = shopkit::to_utf8(body, content_type);
    FUZZ_CHECK(out == body || shopkit::valid_utf8(out));
    return 0;
}
