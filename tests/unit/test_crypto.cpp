#include "lib/core/crypto.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

using namespace shopkit;

TEST_CASE("sha256 and hmac_sha256 match the published test vectors", "[crypto]") {
    CHECK(to_hex(sha256("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hmac_sha256("Jefe", "what do ya want for nothing?").size() == 32);
    // RFC 2202 test case 2.
    CHECK(to_hex(hmac_sha1("Jefe", "what do ya want for nothing?")) ==
          "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

TEST_CASE("to_hex writes two lower-case digits a byte", "[crypto]") {
    CHECK(to_hex("") == "");
    CHECK(to_hex(std::string("\x00\xff\x10", 3)) == "00ff10");
}

TEST_CASE("base64 round-trips (RFC 4648 vectors)", "[crypto]") {
    const std::pair<std::string, std::string> vectors[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
        {std::string("\xff\xfe\x00", 3), "//4A"}};
    for (const auto& [plain, encoded] : vectors) {
        CHECK(base64(plain) == encoded);
        CHECK(base64_decode(encoded) == plain);
    }
    CHECK_FALSE(base64_decode("Zm9"));
    CHECK_FALSE(base64_decode("Zm9*"));
}

TEST_CASE("random_bytes and new_uuid", "[crypto]") {
    CHECK(random_bytes(0).empty());
    CHECK(random_bytes(32).size() == 32);
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string u = new_uuid();
        REQUIRE(u.size() == 36);
        CHECK(u[8] == '-');
        CHECK(u[13] == '-');
        CHECK(u[14] == '4');
        CHECK(u[18] == '-');
        CHECK(std::string("89ab").find(u[19]) != std::string::npos);
        CHECK(u[23] == '-');
        seen.insert(u);
    }
    CHECK(seen.size() == 100);
}

TEST_CASE("uuid_v5 gives RFC 4122 name-based ids", "[crypto]") {
    // The DNS namespace example that RFC 4122 implementations publish.
    CHECK(uuid_v5(uuid_namespace_dns, "www.example.com") == "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    CHECK(uuid_v5(uuid_namespace_url, "https://shop.example/") ==
          "e6709979-d255-5685-9ef8-60e02ea1ef09");
    // The namespace is read in either case; the answer is always lower-case.
    CHECK(uuid_v5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "www.example.com") ==
          "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    CHECK_THROWS_AS(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x"), std::invalid_argument);
    CHECK_THROWS_AS(uuid_v5("6ba7b810+9dad-11d1-80b4-00c04fd430c8", "x"), std::invalid_argument);
    CHECK_THROWS_AS(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x"), std::invalid_argument);
}

TEST_CASE("crypto: hex digits in either case, and nothing else") {
    CHECK(shopkit::hex_digit('0') == 0);
    CHECK(shopkit::hex_digit('9') == 9);
    CHECK(shopkit::hex_digit('a') == 10);
    CHECK(shopkit::hex_digit('F') == 15);
    CHECK(shopkit::hex_digit('g') == -1);
    CHECK(shopkit::hex_digit('%') == -1);
}
