// shopannounce --verify: is every target ready to post? Each target's
// read-only identity call (Target::verify), one row per target, nothing posted,
// no state or outbox touched.
#pragma once

#include "lib/announce/target.hpp"
#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace shopkit {

// Verifies every target of `config` (only those in `targets` when it is not
// empty), in config order, and hands each row to `row`: {"v","type":"verify",
// "target","kind","audience","result":"ok"|"failed"|"not verifiable","detail",
// …facts}. Returns 0 when none failed (not verifiable is no failure), else 1.
// Throws usage_error (64) for an id of `targets` that is no target, and
// config_error (78) for a target its kind refuses, before any call is made.
int run_verify(const Config& config, const std::vector<std::string>& targets,
               const std::function<void(const nlohmann::json& row)>& row, const Clock& clock);

// The table's heading: "TARGET  KIND  RESULT  DETAIL\n", columns as verify_text's.
std::string verify_header();
// One row of the table for a record of run_verify; the result coloured when `color`.
std::string verify_text(const nlohmann::json& row, bool color);

// What an SMTP login needs (the e-mail target's settings and password).
struct SmtpLogin {
    std::string url;        // smtp://host:587 (STARTTLS) or smtps://host:465
    bool plaintext = false; // smtp:// without STARTTLS (a relay on this host)
    std::string ca_file;    // trust this CA bundle instead of the system's
    std::string username;   // empty: no AUTH
    std::string password;
    Millis timeout{std::chrono::seconds(30)};
};

// Connects, says EHLO, upgrades with STARTTLS (unless plaintext) and logs in
// when a username is set, then QUITs: no MAIL, no message. ok, or failed with
// the server's reason; never throws for a network failure.
VerifyResult verify_smtp(const SmtpLogin& login);

} // namespace shopkit
