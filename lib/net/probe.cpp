#include "lib/net/probe.hpp"

#include "lib/net/curl_common.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include <sys/resource.h>

namespace shopkit {

namespace {

// Descriptors one transfer can hold at once (measured with libcurl 7.88's
// threaded resolver): its socket, a second one while happy eyeballs tries IPv6
// and IPv4, and while a name resolves the resolver's socket pair.
constexpr std::size_t fds_per_transfer = 4;
// Descriptors kept for everything else: stdin/out/err, the state database with
// its WAL and SHM (and SQLite's journal), the multi handle's wake-up pair, the
// CA bundle while a handshake reads it, a canary's transfer, a margin.
constexpr std::size_t fds_reserved = 32;

[[noreturn]] void multi_failed(const char* what, CURLMcode code) {
    throw std::runtime_error(std::string(what) + ": " + curl_multi_strerror(code));
}

// One transfer slot: an easy handle reused for request after request, so a run
// of 10,000 URLs allocates `concurrency` handles, not 10,000.
struct Slot {
    CURL* easy = nullptr;
    std::size_t index = 0;
    std::size_t max_body = 0;
    bool want_certificate = false;
    curl::HeaderList headers;
    Response response;
    curl::BodySink sink;
    std::array<char, CURL_ERROR_SIZE> errbuf{};

    Slot() = default;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
        if (easy != nullptr)
            curl_easy_cleanup(easy);
    }
};

// Removes the easy handles still in the multi before anything is freed, also when
// a `done` callback throws.
struct Run {
    CURLM* multi = nullptr;
    std::vector<std::unique_ptr<Slot>> slots;
    std::vector<Slot*> active;

    Run() = default;
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run() {
        for (Slot* s : active)
            curl_multi_remove_handle(multi, s->easy);
        slots.clear();
        if (multi != nullptr)
            curl_multi_cleanup(multi);
    }
};

std::string_view version_name(long v) {
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return "1.0";
    case CURL_HTTP_VERSION_1_1:
        return "1.1";
    case CURL_HTTP_VERSION_2_0:
        return "2";
#ifdef CURL_HTTP_VERSION_3
    case CURL_HTTP_VERSION_3:
        return "3";
#endif
    default:
        return "";
    }
}

std::optional<TimePoint> leaf_expiry(CURL* easy) {
    curl_certinfo* info = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
        info->num_of_certs < 1)
        return std::nullopt;
    constexpr std::string_view key = "Expire date:";
    for (curl_slist* item = info->certinfo[0]; item != nullptr; item = item->next) {
        std::string_view line(item->data);
        if (line.substr(0, key.size()) == key)
            return parse_certinfo_date(line.substr(key.size()));
    }
    return std::nullopt;
}

double info_seconds(CURL* easy, CURLINFO what) {
    double v = 0;
    if (curl_easy_getinfo(easy, what, &v) != CURLE_OK)
        return 0;
    return v;
}

void configure(Slot& slot, const Request& req, std::size_t index) {
    CURL* easy = slot.easy;
    curl_easy_reset(easy);
    slot.headers.clear();
    slot.index = index;
    slot.max_body = req.max_body;
    slot.want_certificate = req.want_certificate;
    slot.response = Response{};
    slot.sink = curl::BodySink{&slot.response.body, req.max_body, false};
    slot.errbuf[0] = '\0';

    using curl::set;
    set(easy, CURLOPT_PRIVATE, static_cast<void*>(&slot));
    set(easy, CURLOPT_URL, req.url.c_str());
    // Unlike HttpClient, which refuses to send when libcurl cannot limit the
    // protocols, a check runs on without the limit (kept as both behaved before).
    set(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    set(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl::set_http_basics(easy, slot.errbuf.data(), &slot.sink, req.timeout);
    set(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // No CURLOPT_PIPEWAIT: it would make every check of a host wait on that host's
    // first connection, so one hanging page would time out all the others.

    if (req.max_redirects > 0) {
        set(easy, CURLOPT_FOLLOWLOCATION, 1L);
        set(easy, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
    }
    if (req.insecure) {
        set(easy, CURLOPT_SSL_VERIFYPEER, 0L);
        set(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (req.want_certificate) {
        set(easy, CURLOPT_CERTINFO, 1L);
        // The chain is only seen in a full handshake: a reused connection or a
        // resumed TLS session would leave certinfo empty.
        set(easy, CURLOPT_FRESH_CONNECT, 1L);
        set(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    if (!req.basic_user.empty() || !req.basic_password.empty()) {
        set(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        set(easy, CURLOPT_USERNAME, req.basic_user.c_str());
        set(easy, CURLOPT_PASSWORD, req.basic_password.c_str());
    }

    for (const auto& [name, value] : req.headers)
        slot.headers.add(name, value);
    if (!req.bearer.empty())
        slot.headers.add("Authorization", "Bearer " + req.bearer);
    if (!slot.headers.empty())
        set(easy, CURLOPT_HTTPHEADER, slot.headers.get());
}

void collect(Slot& slot, CURLcode result) {
    CURL* easy = slot.easy;
    Response& r = slot.response;
    r.truncated = slot.sink.truncated;

    // Our own short write after max_body bytes ends the transfer with a write
    // error; the answer itself was fine.
    const bool capped = result == CURLE_WRITE_ERROR && r.truncated;
    r.transfer_ok = result == CURLE_OK || capped;
    r.timed_out = result == CURLE_OPERATION_TIMEDOUT;
    long status = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        r.http_status = status;
    if (!r.transfer_ok) {
        r.error = slot.errbuf[0] != '\0' ? slot.errbuf.data() : curl_easy_strerror(result);
        long os_errno = 0;
        if (curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
            os_errno = 0;
        const bool answered = status > 0;
        r.local_failure = curl::local_failure(result, os_errno, r.error, answered);
        // libcurl says "Out of memory" when an answer's headers pass its limit.
        if (result == CURLE_OUT_OF_MEMORY && answered)
            r.error = "the answer's headers are larger than libcurl accepts (" + r.error + ")";
    }
    char* text = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &text) == CURLE_OK && text != nullptr)
        r.content_type = text;
    text = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &text) == CURLE_OK && text != nullptr)
        r.effective_url = text;
    long redirects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects) == CURLE_OK)
        r.redirects = redirects;
    long version = 0;
    if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK)
        r.http_version = version_name(version);

    r.timings.dns = info_seconds(easy, CURLINFO_NAMELOOKUP_TIME);
    r.timings.connect = info_seconds(easy, CURLINFO_CONNECT_TIME);
    r.timings.tls = info_seconds(easy, CURLINFO_APPCONNECT_TIME);
    r.timings.first_byte = info_seconds(easy, CURLINFO_STARTTRANSFER_TIME);
    r.timings.total = info_seconds(easy, CURLINFO_TOTAL_TIME);

    if (slot.want_certificate)
        r.cert_expiry = leaf_expiry(easy);
}

} // namespace

std::size_t raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // An unlimited hard limit is refused for open files (it is above
        // fs.nr_open): ask for a million instead, which the kernel allows by default.
        if (raised.rlim_cur == RLIM_INFINITY)
            raised.rlim_cur = 1 << 20;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20
                                           : static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t transfers_within(std::size_t open_files) {
    if (open_files <= fds_reserved + fds_per_transfer)
        return 1;
    return (open_files - fds_reserved) / fds_per_transfer;
}

std::optional<TimePoint> parse_certinfo_date(std::string_view text) {
    // OpenSSL's ASN1_TIME_print form: "Jan  1 00:00:00 2027 GMT".
    std::string buf(text.substr(0, 64));
    char mon[4] = {};
    int day = 0, hour = 0, minute = 0, second = 0, year = 0;
    char zone[8] = {};
    if (std::sscanf(buf.c_str(), " %3s %d %d:%d:%d %d %7s", mon, &day, &hour, &minute, &second,
                    &year, zone) != 7)
        return std::nullopt;
    if (std::string_view(zone) != "GMT")
        return std::nullopt;
    return utc_civil(year, month_from_abbreviation(mon), day, hour, minute, second);
}

CurlTransport::CurlTransport() {
    curl::global_init();
}

CurlTransport::~CurlTransport() = default;

void CurlTransport::fetch(const std::vector<Request>& requests, std::size_t concurrency,
                          const std::function<void(std::size_t, Response&&)>& done) {
    if (requests.empty())
        return;
    const std::size_t width = std::clamp<std::size_t>(concurrency, 1, requests.size());

    Run run;
    run.multi = curl_multi_init();
    if (run.multi == nullptr)
        throw std::runtime_error("curl_multi_init failed");
    CURLMcode mc = curl_multi_setopt(run.multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    if (mc != CURLM_OK)
        multi_failed("curl_multi_setopt", mc);
    mc = curl_multi_setopt(run.multi, CURLMOPT_MAXCONNECTS, static_cast<long>(width));
    if (mc != CURLM_OK)
        multi_failed("curl_multi_setopt", mc);

    run.slots.reserve(width);
    run.active.reserve(width);
    std::vector<Slot*> idle;
    idle.reserve(width);
    for (std::size_t i = 0; i < width; ++i) {
        auto slot = std::make_unique<Slot>();
        slot->easy = curl_easy_init();
        if (slot->easy == nullptr)
            throw std::runtime_error("curl_easy_init failed");
        idle.push_back(slot.get());
        run.slots.push_back(std::move(slot));
    }

    std::size_t next = 0;
    auto start_more = [&] {
        while (next < requests.size() && !idle.empty()) {
            Slot* slot = idle.back();
            configure(*slot, requests[next], next);
            const CURLMcode add = curl_multi_add_handle(run.multi, slot->easy);
            if (add != CURLM_OK)
                multi_failed("curl_multi_add_handle", add);
            idle.pop_back();
            run.active.push_back(slot);
            ++next;
        }
    };

    start_more();
    while (!run.active.empty()) {
        int running = 0;
        mc = curl_multi_perform(run.multi, &running);
        if (mc != CURLM_OK)
            multi_failed("curl_multi_perform", mc);

        bool finished_any = false;
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(run.multi, &queued)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL* easy = msg->easy_handle;
            const CURLcode result = msg->data.result;
            void* priv = nullptr;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
            auto* slot = static_cast<Slot*>(priv);
            collect(*slot, result);
            mc = curl_multi_remove_handle(run.multi, easy);
            if (mc != CURLM_OK)
                multi_failed("curl_multi_remove_handle", mc);
            run.active.erase(std::find(run.active.begin(), run.active.end(), slot));
            idle.push_back(slot);
            finished_any = true;
            Response response = std::move(slot->response);
            done(slot->index, std::move(response));
        }
        if (finished_any) {
            start_more();
            // New handles are due at once; perform them before waiting.
            continue;
        }
        if (run.active.empty())
            break;
        mc = curl_multi_poll(run.multi, nullptr, 0, 1000, nullptr);
        if (mc != CURLM_OK)
            multi_failed("curl_multi_poll", mc);
    }
}

} // namespace shopkit
