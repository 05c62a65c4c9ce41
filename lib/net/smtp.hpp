// One SMTP connection over libcurl: a message to one recipient per call, the
// connection kept between calls (EHLO, STARTTLS and AUTH once), and the
// server's answer sorted into what the e-mail target acts on.
//
// The exchange per message: [connect · 220 · EHLO · STARTTLS · EHLO · AUTH]
// · MAIL FROM · RCPT TO · DATA · 354 · message · "." · 250. libcurl closes the
// connection after a failed transfer, so the next message opens a new one.
// Not thread-safe: one SmtpClient per thread.
#pragma once

#include "lib/core/duration.hpp"

#include <memory>
#include <string>
#include <vector>

namespace shopkit::smtp {

struct Options {
    std::string url;        // smtp://host:port (STARTTLS required) or smtps://host:port
    bool plaintext = false; // smtp:// without TLS (a relay on this host)
    std::string ca_file;    // the CA to trust; empty: the system's
    std::string username;   // SMTP AUTH when not empty
    std::string password;   // a secret: never in a message
    std::string mail_from;  // the envelope sender, an address
    Millis timeout{30'000}; // per message, and per connect
};

// What became of one message.
struct Outcome {
    enum class Kind {
        accepted, // the server took it (250 after the data)
        refused,  // 5xx to RCPT: this recipient only; the batch goes on
        retry,    // 4xx, timeout, lost connection, no STARTTLS: stop, try later
        failed,   // 5xx to MAIL or the data, login refused: stop, a person must act
    };
    Kind kind = Kind::accepted;
    std::string said;  // the server's reply line, else libcurl's reason ("" when accepted)
    std::string error; // retry/failed: one sentence for people, no secret
    long connects = 0; // connections this message opened (0 or 1)
};

class Client {
  public:
    // Throws Error(exit_status::software) when libcurl cannot start.
    explicit Client(Options options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Sends `data` (a whole message, CRLF line ends) to `rcpt` (an address).
    // After a retry or failed outcome the connection is dropped, so the next
    // call starts afresh.
    Outcome send(const std::string& rcpt, const std::string& data);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace shopkit::smtp
