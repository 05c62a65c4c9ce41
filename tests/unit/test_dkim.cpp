#include "lib/net/dkim.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace shopkit;

namespace {

// A throwaway Ed25519 key made for this test (openssl genpkey -algorithm ed25519).
const std::string ed25519_pem = "-----BEGIN PRIVATE KEY-----\n"
                                "MC4CAQAwBQYDK2VwBCIEIACuXUhCeIh42zz4mWRhM8+dEFyWCYfw5GBKGsqL1tKP\n"
                                "-----END PRIVATE KEY-----\n";

const std::string message = "From: Shop <shop@example.jp>\r\n"
                            "To: taro@example.com\r\n"
                            "Subject: =?UTF-8?B?44OG44K544OI?=\r\n"
                            "Date: Thu, 04 Jun 2026 12:00:03 +0900\r\n"
                            "Message-ID: <k-1.0123456789abcdef@example.jp>\r\n"
                            "List-Unsubscribe: <https://shop.example.jp/u?t=abc>\r\n"
                            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                            "\r\n"
                            "44GT44KT44Gr44Gh44Gv\r\n";

} // namespace

TEST_CASE("dkim: the key's type picks the algorithm") {
    CHECK(dkim::key_algorithm(ed25519_pem) == dkim::Algorithm::ed25519_sha256);
    CHECK(dkim::key_algorithm("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE "
                              "KEY-----\n") == dkim::Algorithm::rsa_sha256);
    CHECK_FALSE(dkim::key_algorithm("not a key"));
    CHECK_FALSE(dkim::key_algorithm("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END "
                                    "ENCRYPTED PRIVATE KEY-----\n"));
    CHECK_THROWS_AS(dkim::Signer("not a key", "example.jp", "s1"), std::invalid_argument);
    CHECK_THROWS_AS(dkim::Signer(ed25519_pem, "example .jp", "s1"), std::invalid_argument);
    CHECK_THROWS_AS(dkim::Signer(ed25519_pem, "example.jp", ""), std::invalid_argument);
}

TEST_CASE("dkim: an Ed25519 signature over the bulk sender's headers") {
    // That it verifies is checked by an independent verifier (dkimpy) in
    // tests/e2e/test_announce_email.py; here, its shape.
    const dkim::Signer signer(ed25519_pem, "example.jp", "shop2026");
    const std::string sig = signer.sign(message);
    CHECK(sig.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; "));
    CHECK(sig.ends_with("\r\n"));
    CHECK(sig.find("d=example.jp;") != std::string::npos);
    CHECK(sig.find("s=shop2026;") != std::string::npos);
    std::string flat;
    for (char ch : sig)
        if (ch != '\r' && ch != '\n' && ch != '\t' && ch != ' ')
            flat += ch;
    CHECK(flat.find("h=From:To:Subject:Date:Message-ID:List-Unsubscribe:List-Unsubscribe-Post;") !=
          std::string::npos);
    // Every folded line of the header is CRLF then whitespace.
    for (std::size_t at = sig.find("\r\n"); at + 2 < sig.size(); at = sig.find("\r\n", at + 2))
        CHECK((sig[at + 2] == '\t' || sig[at + 2] == ' '));
}
