// The Statuspage v2 reader (summary.json / status.json from a platform): any
// body gives a verdict (unknown for malformed JSON); nothing throws or crashes.
#include "fuzz_support.hpp"

#include "lib/detect/platform_status.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    // The check's `components` (from the config), then the body the platform sent.
    std::vector<std::string> components;
    for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
        components.push_back(in.ConsumeRandomLengthString(32));
    const std::string body = in.ConsumeRemainingBytesAsString();
    const shopkit::StatuspageVerdict verdict = shopkit::judge_statuspage(body, components);
    FUZZ_CHECK(verdict.state >= 0 && verdict.state <= 3);
    FUZZ_CHECK(verdict.state == 0 || !verdict.detail.empty());
    return 0;
}
