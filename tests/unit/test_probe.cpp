// CurlTransport against a small HTTP/1.1 server on 127.0.0.1, run inside the test.
#include "lib/net/probe.hpp"

#include "lib/net/curl_common.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace shopkit;

namespace {

// Serves, with keep-alive:
//   /ok            200 "hello shop"
//   /status/NNN    NNN "status NNN"
//   /big           200 with a 5 MB body
//   /hang          reads the request and never answers
//   /drip          200 headers, then a body byte every 100 ms
//   /slow          200 after 30 ms (counts requests in flight)
//   /loop          302 to itself
//   /echo          200 with the request's head as body
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
            ::listen(listen_fd_, 256) != 0)
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
    int max_in_flight() const { return max_in_flight_; }

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

    static bool send_all(int fd, const char* data, std::size_t len) {
        while (len > 0) {
            const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            data += n;
            len -= static_cast<std::size_t>(n);
        }
        return true;
    }

    static bool respond(int fd, int status, const std::string& body,
                        const std::string& extra_headers = "") {
        // One send: a head and body sent apart meet Nagle and delayed ACKs (40 ms each).
        const std::string out = "HTTP/1.1 " + std::to_string(status) +
                                " X\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\nContent-Type: text/plain\r\n" + extra_headers + "\r\n" + body;
        return send_all(fd, out.data(), out.size());
    }

    void serve(int fd) {
        std::string buffer;
        char chunk[4096];
        for (;;) {
            std::size_t end;
            while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
                if (!wait_readable(fd))
                    return;
                const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
                if (n <= 0)
                    return;
                buffer.append(chunk, static_cast<std::size_t>(n));
            }
            const std::string head = buffer.substr(0, end + 4);
            buffer.erase(0, end + 4);
            const auto sp1 = head.find(' ');
            const auto sp2 = head.find(' ', sp1 + 1);
            const std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
            if (!handle(fd, path, head))
                return;
        }
    }

    bool handle(int fd, const std::string& path, const std::string& head) {
        if (path == "/ok")
            return respond(fd, 200, "hello shop");
        if (path.rfind("/status/", 0) == 0) {
            const int status = std::stoi(path.substr(8));
            return respond(fd, status, "status " + std::to_string(status));
        }
        if (path == "/echo")
            return respond(fd, 200, head);
        if (path == "/loop")
            return respond(fd, 302, "", "Location: /loop\r\n");
        if (path == "/slow") {
            const int now = ++in_flight_;
            int seen = max_in_flight_;
            while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            --in_flight_;
            return respond(fd, 200, "slow");
        }
        if (path == "/big") {
            const std::size_t size = 5 * 1000 * 1000;
            const std::string head_out =
                "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
            if (!send_all(fd, head_out.data(), head_out.size()))
                return false;
            const std::string block(64 * 1024, 'x');
            for (std::size_t sent = 0; sent < size; sent += block.size())
                if (!send_all(fd, block.data(), std::min(block.size(), size - sent)))
                    return false;
            return true;
        }
        if (path == "/drip") {
            const std::string head_out = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
            if (!send_all(fd, head_out.data(), head_out.size()))
                return false;
            for (int i = 0; i < 1000 && !stop_; ++i) {
                if (!send_all(fd, "x", 1))
                    return false;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            return false;
        }
        if (path == "/hang") {
            // Never answer; leave when the client gives up (or the test ends).
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
    std::atomic<int> in_flight_{0};
    std::atomic<int> max_in_flight_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> workers_;
};

Request request(const std::string& url) {
    Request r;
    r.url = url;
    r.timeout = std::chrono::seconds(5);
    return r;
}

// Fetches one request and returns its response.
Response fetch_one(CurlTransport& transport, const Request& req) {
    Response out;
    int calls = 0;
    transport.fetch({req}, 4, [&](std::size_t index, Response&& r) {
        CHECK(index == 0);
        ++calls;
        out = std::move(r);
    });
    REQUIRE(calls == 1);
    return out;
}

} // namespace

TEST_CASE("probe: a 200 with a body") {
    TestServer server;
    CurlTransport transport;
    const Response r = fetch_one(transport, request(server.url("/ok")));
    CHECK(r.transfer_ok);
    CHECK(r.error.empty());
    CHECK(r.http_status == 200);
    CHECK(r.body == "hello shop");
    CHECK_FALSE(r.truncated);
    CHECK(r.content_type == "text/plain");
    CHECK(r.http_version == "1.1");
    CHECK(r.effective_url == server.url("/ok"));
    CHECK(r.timings.total > 0);
    CHECK(r.timings.total >= r.timings.first_byte);
    CHECK(r.timings.first_byte >= r.timings.connect);
    CHECK_FALSE(r.cert_expiry);
}

TEST_CASE("probe: an error status is a completed transfer") {
    TestServer server;
    CurlTransport transport;
    const Response r = fetch_one(transport, request(server.url("/status/503")));
    CHECK(r.transfer_ok);
    CHECK(r.http_status == 503);
    CHECK(r.body == "status 503");
}

TEST_CASE("probe: a body over max_body is cut there and the transfer still counts") {
    TestServer server;
    CurlTransport transport;
    Request req = request(server.url("/big"));
    req.max_body = 1 << 20;
    const Response r = fetch_one(transport, req);
    CHECK(r.transfer_ok);
    CHECK(r.error.empty());
    CHECK(r.http_status == 200);
    CHECK(r.truncated);
    CHECK(r.body.size() == req.max_body);
    CHECK(r.body.find_first_not_of('x') == std::string::npos);
}

TEST_CASE("probe: a body of exactly max_body is not truncated") {
    TestServer server;
    CurlTransport transport;
    Request req = request(server.url("/ok"));
    req.max_body = 10; // "hello shop"
    Response r = fetch_one(transport, req);
    CHECK(r.transfer_ok);
    CHECK_FALSE(r.truncated);
    CHECK(r.body == "hello shop");

    req.max_body = 5;
    r = fetch_one(transport, req);
    CHECK(r.transfer_ok);
    CHECK(r.truncated);
    CHECK(r.body == "hello");
}

TEST_CASE("probe: the timeout holds against a server that never answers") {
    TestServer server;
    CurlTransport transport;
    Request req = request(server.url("/hang"));
    req.timeout = std::chrono::milliseconds(500);
    const auto t0 = std::chrono::steady_clock::now();
    const Response r = fetch_one(transport, req);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(elapsed < std::chrono::seconds(3));
    CHECK(elapsed >= std::chrono::milliseconds(450));
    CHECK_FALSE(r.transfer_ok);
    CHECK(r.timed_out);
    CHECK(r.http_status == 0);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("probe: the timeout holds against a server that drips a byte at a time") {
    TestServer server;
    CurlTransport transport;
    Request req = request(server.url("/drip"));
    req.timeout = std::chrono::milliseconds(700);
    const auto t0 = std::chrono::steady_clock::now();
    const Response r = fetch_one(transport, req);
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(elapsed < std::chrono::seconds(3));
    CHECK_FALSE(r.transfer_ok);
    CHECK(r.timed_out);
    CHECK(r.http_status == 200);
    CHECK(r.body.size() < 1000);
}

TEST_CASE("probe: a redirect loop ends at max_redirects") {
    TestServer server;
    CurlTransport transport;
    const Response r = fetch_one(transport, request(server.url("/loop")));
    CHECK_FALSE(r.transfer_ok);
    CHECK_FALSE(r.timed_out);
    CHECK(r.error.find("Maximum (5) redirects followed") != std::string::npos);
    CHECK(r.redirects == 5);

    Request none = request(server.url("/loop"));
    none.max_redirects = 0;
    const Response r0 = fetch_one(transport, none);
    CHECK(r0.transfer_ok);
    CHECK(r0.http_status == 302);
    CHECK(r0.redirects == 0);
}

TEST_CASE("probe: a refused connection is a failed transfer, not an exception") {
    // Bind a port and close it again: nothing listens there now.
    int port = 0;
    {
        TestServer gone;
        const std::string u = gone.url("/");
        port = std::stoi(u.substr(u.rfind(':') + 1));
    }
    CurlTransport transport;
    const Response r =
        fetch_one(transport, request("http://127.0.0.1:" + std::to_string(port) + "/ok"));
    CHECK_FALSE(r.transfer_ok);
    CHECK_FALSE(r.timed_out);
    CHECK_FALSE(r.error.empty());
}

TEST_CASE("probe: headers, user agent and auth reach the server") {
    TestServer server;
    CurlTransport transport;
    Request req = request(server.url("/echo"));
    req.headers = {{"X-Shop", "example"}};
    req.bearer = "tok123";
    Response r = fetch_one(transport, req);
    REQUIRE(r.transfer_ok);
    CHECK(r.body.find("X-Shop: example\r\n") != std::string::npos);
    CHECK(r.body.find("Authorization: Bearer tok123\r\n") != std::string::npos);
    CHECK(r.body.find("User-Agent: shopkit/") != std::string::npos);
    CHECK(r.body.find("Accept-Encoding: ") != std::string::npos);

    Request basic = request(server.url("/echo"));
    basic.basic_user = "user";
    basic.basic_password = "pass";
    r = fetch_one(transport, basic);
    REQUIRE(r.transfer_ok);
    CHECK(r.body.find("Authorization: Basic dXNlcjpwYXNz\r\n") != std::string::npos);
    // Nothing of the earlier request leaks into the next one on a reused handle.
    CHECK(r.body.find("X-Shop") == std::string::npos);
}

TEST_CASE("probe: many requests run concurrently, at most `concurrency` at a time") {
    TestServer server;
    CurlTransport transport;
    std::vector<Request> requests;
    for (int i = 0; i < 64; ++i)
        requests.push_back(request(server.url("/slow")));
    std::vector<int> calls(requests.size(), 0);
    const auto t0 = std::chrono::steady_clock::now();
    transport.fetch(requests, 8, [&](std::size_t index, Response&& r) {
        REQUIRE(index < calls.size());
        ++calls[index];
        CHECK(r.transfer_ok);
        CHECK(r.body == "slow");
    });
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    CHECK(std::all_of(calls.begin(), calls.end(), [](int c) { return c == 1; }));
    CHECK(server.max_in_flight() <= 8);
    CHECK(server.max_in_flight() >= 2);
    // One at a time would take 64 x 30 ms.
    CHECK(elapsed < std::chrono::milliseconds(64 * 30));
}

TEST_CASE("probe: connections are reused within a run") {
    TestServer server;
    CurlTransport transport;
    std::vector<Request> requests;
    for (int i = 0; i < 200; ++i)
        requests.push_back(request(server.url(i % 2 ? "/ok" : "/status/404")));
    std::size_t done = 0;
    transport.fetch(requests, 4, [&](std::size_t index, Response&& r) {
        ++done;
        CHECK(r.transfer_ok);
        CHECK(r.http_status == (index % 2 ? 200 : 404));
    });
    CHECK(done == requests.size());
    CHECK(server.connections() <= 8);
}

TEST_CASE("probe: a mix of good, slow and hanging requests all complete") {
    TestServer server;
    CurlTransport transport;
    std::vector<Request> requests;
    for (int i = 0; i < 30; ++i) {
        Request r = request(server.url(i % 10 == 0 ? "/hang" : "/ok"));
        r.timeout = std::chrono::milliseconds(400);
        requests.push_back(r);
    }
    std::vector<int> calls(requests.size(), 0);
    const auto t0 = std::chrono::steady_clock::now();
    transport.fetch(requests, 64, [&](std::size_t index, Response&& r) {
        ++calls[index];
        if (index % 10 == 0) {
            CHECK(r.timed_out);
        } else {
            CHECK(r.transfer_ok);
        }
    });
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    CHECK(std::all_of(calls.begin(), calls.end(), [](int c) { return c == 1; }));
}

TEST_CASE("probe: an exception from the callback leaves the transport usable") {
    TestServer server;
    CurlTransport transport;
    std::vector<Request> requests(5, request(server.url("/ok")));
    CHECK_THROWS_AS(
        transport.fetch(requests, 2, [](std::size_t, Response&&) { throw std::logic_error("x"); }),
        std::logic_error);
    const Response r = fetch_one(transport, request(server.url("/ok")));
    CHECK(r.transfer_ok);
}

TEST_CASE("probe: no requests, no calls") {
    CurlTransport transport;
    int calls = 0;
    transport.fetch({}, 64, [&](std::size_t, Response&&) { ++calls; });
    CHECK(calls == 0);
}

TEST_CASE("probe: certificate dates as libcurl prints them") {
    using namespace std::chrono;
    const auto t = parse_certinfo_date("Jan  1 00:00:00 2027 GMT");
    REQUIRE(t);
    CHECK(*t == sys_days(year(2027) / January / 1));
    const auto u = parse_certinfo_date("Dec 31 23:59:59 2026 GMT");
    REQUIRE(u);
    CHECK(*u == sys_days(year(2026) / December / 31) + hours(23) + minutes(59) + seconds(59));
    CHECK_FALSE(parse_certinfo_date(""));
    CHECK_FALSE(parse_certinfo_date("Foo  1 00:00:00 2027 GMT"));
    CHECK_FALSE(parse_certinfo_date("Feb 30 00:00:00 2027 GMT"));
    CHECK_FALSE(parse_certinfo_date("2027-01-01T00:00:00Z"));
}

TEST_CASE("probe: local resource failures are told from the other end's") {
    using shopkit::curl::local_failure;
    CHECK(local_failure(CURLE_COULDNT_CONNECT, EMFILE, "socket failure"));
    CHECK(local_failure(CURLE_COULDNT_CONNECT, ENFILE, ""));
    CHECK(local_failure(CURLE_COULDNT_CONNECT, ENOBUFS, ""));
    CHECK(local_failure(CURLE_COULDNT_CONNECT, ENOMEM, ""));
    CHECK(local_failure(CURLE_OUT_OF_MEMORY, 0, ""));
    // After a status line, "out of memory" is libcurl refusing the server's huge headers.
    CHECK_FALSE(local_failure(CURLE_OUT_OF_MEMORY, 0, "", true));
    CHECK(local_failure(CURLE_COULDNT_RESOLVE_HOST, 0, "getaddrinfo() thread failed to start"));
    CHECK_FALSE(local_failure(CURLE_COULDNT_CONNECT, ECONNREFUSED, "Connection refused"));
    CHECK_FALSE(local_failure(CURLE_COULDNT_RESOLVE_HOST, 0, "Could not resolve host: shop.test"));
    CHECK_FALSE(local_failure(CURLE_OPERATION_TIMEDOUT, 0, "Operation timed out"));
    CHECK_FALSE(local_failure(CURLE_OK, EMFILE, ""));
}

TEST_CASE("probe: transfers within an open-file limit") {
    CHECK(shopkit::transfers_within(0) == 1);
    CHECK(shopkit::transfers_within(36) == 1);
    CHECK(shopkit::transfers_within(64) == 8);
    CHECK(shopkit::transfers_within(1024) == 248);
    CHECK(shopkit::raise_open_file_limit() >= 1);
}
