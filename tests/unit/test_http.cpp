// HttpClient against a small HTTP/1.1 server on 127.0.0.1 run inside the test,
// and the URL, form and Retry-After helpers.
#include "lib/net/http.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace shopkit;
using namespace std::chrono_literals;

namespace {

struct Received {
    std::string method;
    std::string path;
    std::string head; // request line and headers
    std::string body;
};

// Serves, with keep-alive:
//   /ok               200 "hello"
//   /status/NNN       NNN with "Retry-After: 7" and "X-Request-Id: abc"
//   /continue         a 100 Continue with a header, then 200 with other headers
//   /big              200 with a 5 MB body
//   /hang             reads the request and never answers
//   /echo             200, the body is the request's body
//   /redirect         302 to /ok
// and records every request it received.
class TestServer {
  public:
    TestServer() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (listen_fd_ < 0)
            throw std::runtime_error("socket");
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listen_fd_, 64) != 0)
            throw std::runtime_error("bind/listen");
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~TestServer() {
        stop_ = true;
        acceptor_.join();
        ::close(listen_fd_);
        std::lock_guard lock(mutex_);
        for (auto& t : workers_)
            t.join();
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }

    int connections() const { return connections_; }

    std::vector<Received> received() {
        std::lock_guard lock(mutex_);
        return received_;
    }

  private:
    bool wait_readable(int fd) {
        pollfd p{fd, POLLIN, 0};
        while (!stop_) {
            const int n = ::poll(&p, 1, 50);
            if (n > 0)
                return true;
            if (n < 0)
                return false;
        }
        return false;
    }

    void accept_loop() {
        while (wait_readable(listen_fd_)) {
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0)
                continue;
            ++connections_;
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, fd] {
                serve(fd);
                ::close(fd);
            });
        }
    }

    static bool send_all(int fd, const std::string& data) {
        const char* p = data.data();
        std::size_t len = data.size();
        while (len > 0) {
            const ssize_t n = ::send(fd, p, len, MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            p += n;
            len -= static_cast<std::size_t>(n);
        }
        return true;
    }

    static bool respond(int fd, int status, const std::string& body,
                        const std::string& extra_headers = "") {
        return send_all(fd, "HTTP/1.1 " + std::to_string(status) +
                                " X\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nContent-Type: text/plain\r\n" + extra_headers + "\r\n" + body);
    }

    bool read_more(int fd, std::string& buffer) {
        char chunk[4096];
        if (!wait_readable(fd))
            return false;
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    void serve(int fd) {
        std::string buffer;
        for (;;) {
            std::size_t end;
            while ((end = buffer.find("\r\n\r\n")) == std::string::npos)
                if (!read_more(fd, buffer))
                    return;
            Received r;
            r.head = buffer.substr(0, end + 4);
            buffer.erase(0, end + 4);
            std::size_t length = 0;
            std::string lower_head = r.head;
            for (char& c : lower_head)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (const auto at = lower_head.find("\r\ncontent-length:"); at != std::string::npos)
                length = std::stoul(lower_head.substr(at + 17));
            while (buffer.size() < length)
                if (!read_more(fd, buffer))
                    return;
            r.body = buffer.substr(0, length);
            buffer.erase(0, length);
            const auto sp1 = r.head.find(' ');
            const auto sp2 = r.head.find(' ', sp1 + 1);
            r.method = r.head.substr(0, sp1);
            r.path = r.head.substr(sp1 + 1, sp2 - sp1 - 1);
            {
                std::lock_guard lock(mutex_);
                received_.push_back(r);
            }
            if (!handle(fd, r))
                return;
        }
    }

    bool handle(int fd, const Received& r) {
        if (r.path == "/ok")
            return respond(fd, 200, "hello");
        if (r.path == "/echo")
            return respond(fd, 200, r.body);
        if (r.path.rfind("/status/", 0) == 0)
            return respond(fd, std::stoi(r.path.substr(8)), "status",
                           "Retry-After: 7\r\nX-Request-Id: abc\r\n");
        if (r.path == "/continue")
            return send_all(fd, "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n") &&
                   respond(fd, 200, "done", "X-Final: Yes\r\nX-Final: twice\r\n");
        if (r.path == "/redirect")
            return respond(fd, 302, "", "Location: /ok\r\n");
        if (r.path == "/big") {
            const std::size_t size = 5 * 1000 * 1000;
            if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
                                  "\r\n\r\n"))
                return false;
            const std::string block(64 * 1024, 'x');
            for (std::size_t sent = 0; sent < size; sent += block.size())
                if (!send_all(fd, block.substr(0, std::min(block.size(), size - sent))))
                    return false;
            return true;
        }
        if (r.path == "/hang") {
            char c;
            while (wait_readable(fd))
                if (::recv(fd, &c, 1, 0) <= 0)
                    return false;
            return false;
        }
        return respond(fd, 404, "not found");
    }

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
    std::vector<Received> received_;
};

HttpRequest request(const std::string& method, const std::string& url) {
    HttpRequest r;
    r.method = method;
    r.url = url;
    r.timeout = 5s;
    return r;
}

} // namespace

TEST_CASE("http: a GET and its response headers") {
    TestServer server;
    HttpClient client;
    const HttpResponse r = client.send(request("GET", server.url("/status/201")));
    CHECK(r.transfer_ok);
    CHECK(r.error.empty());
    CHECK(r.status == 201);
    CHECK(r.body == "status");
    CHECK(r.header("retry-after") == std::optional<std::string>("7"));
    CHECK(r.header("x-request-id") == std::optional<std::string>("abc"));
    CHECK(r.header("X-Request-ID") == std::optional<std::string>("abc"));
    CHECK_FALSE(r.header("x-missing"));
    for (const auto& [name, value] : r.headers)
        for (const char c : name)
            CHECK_FALSE((c >= 'A' && c <= 'Z'));
    const auto got = server.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].method == "GET");
    CHECK(got[0].head.find("User-Agent: shopkit/" SHOPKIT_VERSION "\r\n") != std::string::npos);
}

TEST_CASE("http: a POST sends its body and headers as given") {
    TestServer server;
    HttpClient client;
    HttpRequest req = request("POST", server.url("/echo"));
    req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer t0k"}};
    req.body = std::string("{\"text\":\"\xe3\x81\x82\"}") + std::string(1, '\0') + "tail";
    const HttpResponse r = client.send(req);
    CHECK(r.transfer_ok);
    CHECK(r.status == 200);
    CHECK(r.body == req.body); // every byte, NUL included
    const auto got = server.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].method == "POST");
    CHECK(got[0].head.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(got[0].head.find("Authorization: Bearer t0k\r\n") != std::string::npos);
    // No "Expect: 100-continue" round trip.
    CHECK(got[0].head.find("Expect") == std::string::npos);
}

TEST_CASE("http: PUT and DELETE") {
    TestServer server;
    HttpClient client;
    HttpRequest put = request("PUT", server.url("/echo"));
    put.body = "data";
    CHECK(client.send(put).body == "data");
    CHECK(client.send(request("DELETE", server.url("/ok"))).status == 200);
    const auto got = server.received();
    REQUIRE(got.size() == 2);
    CHECK(got[0].method == "PUT");
    CHECK(got[0].body == "data");
    CHECK(got[1].method == "DELETE");
    CHECK(got[1].body.empty());
}

TEST_CASE("http: one connection is reused between requests") {
    TestServer server;
    HttpClient client;
    for (int i = 0; i < 5; ++i) {
        HttpRequest req = request(i % 2 ? "GET" : "POST", server.url("/echo"));
        req.body = i % 2 ? "" : "n" + std::to_string(i);
        const HttpResponse r = client.send(req);
        CHECK(r.status == 200);
        CHECK(r.body == req.body);
    }
    CHECK(server.connections() == 1);
    CHECK(server.received().size() == 5);
}

TEST_CASE("http: headers are those of the last response only") {
    TestServer server;
    HttpClient client;
    const HttpResponse first = client.send(request("GET", server.url("/status/429")));
    CHECK(first.header("retry-after"));
    const HttpResponse r = client.send(request("POST", server.url("/continue")));
    CHECK(r.status == 200);
    CHECK(r.body == "done");
    CHECK_FALSE(r.header("x-interim"));   // the 100 Continue's header is gone
    CHECK_FALSE(r.header("retry-after")); // and nothing of the request before
    CHECK(r.header("x-final") == std::optional<std::string>("Yes")); // the first of two
}

TEST_CASE("http: an error status is a completed transfer") {
    TestServer server;
    HttpClient client;
    const HttpResponse r = client.send(request("POST", server.url("/status/503")));
    CHECK(r.transfer_ok);
    CHECK(r.status == 503);
    CHECK_FALSE(r.timed_out);
}

TEST_CASE("http: redirects are not followed") {
    TestServer server;
    HttpClient client;
    const HttpResponse r = client.send(request("GET", server.url("/redirect")));
    CHECK(r.transfer_ok);
    CHECK(r.status == 302);
    CHECK(r.header("location") == std::optional<std::string>("/ok"));
    CHECK(server.received().size() == 1);
}

TEST_CASE("http: the body is capped at max_body") {
    TestServer server;
    HttpClient client;
    HttpRequest req = request("GET", server.url("/big"));
    req.max_body = 1000;
    const HttpResponse r = client.send(req);
    CHECK(r.transfer_ok);
    CHECK(r.status == 200);
    CHECK(r.body == std::string(1000, 'x'));
    // The client is still usable after a cut transfer.
    CHECK(client.send(request("GET", server.url("/ok"))).body == "hello");
}

TEST_CASE("http: the timeout is enforced") {
    TestServer server;
    HttpClient client;
    HttpRequest req = request("POST", server.url("/hang"));
    req.timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    const HttpResponse r = client.send(req);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(r.transfer_ok);
    CHECK(r.timed_out);
    CHECK_FALSE(r.error.empty());
    CHECK(took < 3s);
}

TEST_CASE("http: a refused connection, and no URL in the error") {
    // A port nobody listens on: bind one, learn its number, close it.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    ::close(fd);

    HttpClient client;
    const std::string secret = "bot123456:SECRET-token-in-path";
    const HttpResponse r = client.send(request("POST", "http://127.0.0.1:" + std::to_string(port) +
                                                           "/" + secret + "/sendMessage"));
    CHECK_FALSE(r.transfer_ok);
    CHECK_FALSE(r.timed_out);
    CHECK_FALSE(r.error.empty());
    CHECK(r.error.find("SECRET") == std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);

    // A malformed URL: libcurl likes to quote those.
    const HttpResponse bad = client.send(request("GET", "http://exa mple/" + secret));
    CHECK_FALSE(bad.transfer_ok);
    CHECK(bad.error.find("SECRET") == std::string::npos);
}

TEST_CASE("http: only http and https") {
    HttpClient client;
    for (const char* url : {"file:///etc/passwd", "ftp://127.0.0.1/x", "smtp://127.0.0.1/",
                            "gopher://127.0.0.1/", "/relative"}) {
        const HttpResponse r = client.send(request("GET", url));
        CHECK_FALSE(r.transfer_ok);
        CHECK(r.status == 0);
        CHECK(r.body.empty());
        CHECK(r.error.find("http") != std::string::npos);
    }
}

TEST_CASE("http: an unreadable CA file fails the TLS request") {
    test::TempDir dir;
    HttpClient client;
    HttpRequest req = request("GET", "https://127.0.0.1:1/");
    req.ca_file = (dir.path() / "missing.pem").string();
    req.timeout = 2s;
    const HttpResponse r = client.send(req);
    CHECK_FALSE(r.transfer_ok);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("http: percent_encode keeps only unreserved characters") {
    CHECK(percent_encode("") == "");
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(percent_encode("Ladies + Gentlemen") == "Ladies%20%2B%20Gentlemen");
    CHECK(percent_encode("a/b?c=d&e") == "a%2Fb%3Fc%3Dd%26e");
    CHECK(percent_encode("\xe3\x81\x82!*'()") == "%E3%81%82%21%2A%27%28%29");
    CHECK(percent_encode(std::string("\0\xff", 2)) == "%00%FF");
}

TEST_CASE("http: form_encode") {
    CHECK(form_encode({}) == "");
    CHECK(form_encode({{"message", "障害 & 復旧"}, {"access_token", "a+b/c"}}) ==
          "message=%E9%9A%9C%E5%AE%B3%20%26%20%E5%BE%A9%E6%97%A7&access_token=a%2Bb%2Fc");
    CHECK(form_encode({{"a", ""}, {"b c", "="}}) == "a=&b%20c=%3D");
}

TEST_CASE("http: every server-given wait is capped at 24 hours") {
    const TimePoint now = test::at("2026-06-04T03:00:00Z");
    CHECK(max_server_wait == 24h);
    CHECK(cap_server_wait(-5s) == 0s);
    CHECK(cap_server_wait(90s) == 90s);
    CHECK(cap_server_wait(std::chrono::hours(24 * 365)) == 24h);
    CHECK(wait_until(now + 10min, now) == 10min);
    CHECK(wait_until(now - 10min, now) == 0s);
    CHECK(wait_until(now + std::chrono::hours(24 * 365), now) == 24h);
    CHECK(wait_until(TimePoint::max(), now) == 24h);
    const long long epoch =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    CHECK(wait_until_epoch(epoch + 60, now) == 60s);
    CHECK(wait_until_epoch(epoch - 60, now) == 0s);
    CHECK(wait_until_epoch(99999999999, now) == 24h);
    CHECK(wait_until_epoch(std::numeric_limits<long long>::max(), now) == 24h);
    CHECK(wait_until_epoch(std::numeric_limits<long long>::min(), now) == 0s);
}

TEST_CASE("http: join_url") {
    CHECK(join_url("https://api.line.me", "/v2/bot/message/push") ==
          "https://api.line.me/v2/bot/message/push");
    CHECK(join_url("https://api.line.me/", "/v2") == "https://api.line.me/v2");
    CHECK(join_url("http://127.0.0.1:8080//", "/x") == "http://127.0.0.1:8080/x");
    CHECK(join_url("http://h/prefix", "x") == "http://h/prefix/x");
}

TEST_CASE("http: parse_retry_after") {
    const TimePoint now = test::at("1994-11-06T08:49:30Z");
    CHECK(parse_retry_after("120", now) == std::optional<Millis>(120s));
    CHECK(parse_retry_after(" 0 ", now) == std::optional<Millis>(0s));
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == std::optional<Millis>(7s));
    // A date in the past means "now".
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now) == std::optional<Millis>(0s));
    // Huge values are clamped, not overflowed: at 24 hours, whatever the form.
    const auto huge = parse_retry_after("99999999999999999999999", now);
    REQUIRE(huge);
    CHECK(*huge == 24h);
    CHECK(parse_retry_after("99999999999", now) == std::optional<Millis>(24h));
    CHECK(parse_retry_after("86401", now) == std::optional<Millis>(24h));
    CHECK(parse_retry_after("86399", now) == std::optional<Millis>(86399s));
    CHECK(parse_retry_after("Tue, 08 Nov 1994 08:49:30 GMT", now) == std::optional<Millis>(24h));
    CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == std::optional<Millis>(24h));
    CHECK(parse_retry_after("Mon, 29 Feb 2400 00:00:00 GMT", now) == std::optional<Millis>(24h));
    CHECK_FALSE(parse_retry_after("Tue, 29 Feb 2500 00:00:00 GMT", now));
    for (const char* bad : {"", "-5", "1.5", "soon", "5s", "Sun, 06 Nov 1994 08:49:37 UTC",
                            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
                            "Sunday, 06-Nov-94 08:49:37"})
        CHECK_FALSE(parse_retry_after(bad, now));
}
