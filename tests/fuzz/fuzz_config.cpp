// The config loader (shopkit.toml(5)): any text either loads or is refused with
// a config_error (exit 78). Any other exception, a crash or a sanitizer report
// is a bug. parse_config is what load_config runs on the file's bytes.
#include "fuzz_support.hpp"

#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const shopkit::Config config = shopkit::parse_config(text, "/etc/shopkit/fuzz.toml");
        // The sale calendar is read at run time: each event's window must be usable.
        for (const auto& event : config.sales.events) {
            (void)shopkit::policy_at(config, event.start);
            (void)shopkit::policy_at(config, event.end - std::chrono::seconds(1));
        }
    } catch (const shopkit::Error& e) {
        FUZZ_CHECK(e.status() == shopkit::exit_status::config);
    }
    return 0;
}
