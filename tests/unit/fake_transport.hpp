// A Transport for unit tests: answers each request from a table url ->
// Response (an unknown URL is a refused connection), in request order, and
// remembers what it was asked, so a run is tested without a socket.
#pragma once

#include "lib/net/probe.hpp"

#include <map>
#include <string>
#include <vector>

namespace shopkit::test {

class FakeTransport : public Transport {
  public:
    std::map<std::string, Response> answers;
    std::vector<std::string> asked; // every URL fetched, in order
    std::size_t last_concurrency = 0;

    // `url` answers HTTP `status` with `body`.
    void answer(const std::string& url, long status, std::string body = "") {
        Response r;
        r.transfer_ok = true;
        r.http_status = status;
        r.body = std::move(body);
        r.effective_url = url;
        answers[url] = std::move(r);
    }
    // `url` cannot be reached (libcurl's words in `error`).
    void refuse(const std::string& url, std::string error = "Couldn't connect to server") {
        Response r;
        r.error = std::move(error);
        answers[url] = std::move(r);
    }

    void fetch(const std::vector<Request>& requests, std::size_t concurrency,
               const std::function<void(std::size_t, Response&&)>& done) override {
        last_concurrency = concurrency;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            asked.push_back(requests[i].url);
            const auto it = answers.find(requests[i].url);
            Response r;
            if (it != answers.end()) {
                r = it->second;
            } else {
                r.error = "Couldn't connect to server";
            }
            done(i, std::move(r));
        }
    }
};

} // namespace shopkit::test
