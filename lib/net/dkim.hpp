// DKIM signatures (RFC 6376, RFC 8463) of outgoing e-mail, by libopendkim:
// relaxed/relaxed canonicalisation, RSA-SHA256 or Ed25519-SHA256 by the key's
// type, signing the headers a bulk sender's mail is judged by.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit::dkim {

enum class Algorithm { rsa_sha256, ed25519_sha256 };

// The algorithm a PEM private key signs with: an RSA key (PKCS#1 "RSA PRIVATE
// KEY" or PKCS#8) gives rsa_sha256, a PKCS#8 Ed25519 key ed25519_sha256;
// nullopt for anything else (no PEM, another key type, an encrypted key).
std::optional<Algorithm> key_algorithm(std::string_view pem);

// The headers signed when present, in this order (lower case): from, to,
// subject, date, message-id, mime-version, content-type, list-id,
// list-unsubscribe, list-unsubscribe-post, feedback-id.
inline constexpr std::string_view signed_headers =
    "from:to:subject:date:message-id:mime-version:content-type:list-id:list-unsubscribe:"
    "list-unsubscribe-post:feedback-id";

class Signer {
  public:
    // `key_pem` is the private key (a secret: never in a message). Throws
    // std::invalid_argument naming the problem when the key is not one
    // key_algorithm accepts, or domain or selector is empty or not a DNS label list.
    Signer(std::string key_pem, std::string domain, std::string selector);
    ~Signer();
    Signer(const Signer&) = delete;
    Signer& operator=(const Signer&) = delete;

    Algorithm algorithm() const noexcept;

    // The "DKIM-Signature: …" field, folded, ending in CRLF, to put before
    // `message` (headers, a blank line, the body; CRLF line ends). Thread-safe.
    // Throws Error(exit_status::software) when libopendkim fails (a key it cannot use).
    std::string sign(std::string_view message) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace shopkit::dkim
