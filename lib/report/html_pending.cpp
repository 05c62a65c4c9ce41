// TEMPORARY, never committed: render_html lands from its own branch.
#include "lib/report/format.hpp"
namespace shopkit::report {
std::string render_html(const Report& r, const RenderOptions& o) {
    return render_markdown(r, o);
}
} // namespace shopkit::report
