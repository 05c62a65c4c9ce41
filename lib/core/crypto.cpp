#include "lib/core/crypto.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace shopkit {

namespace {

const unsigned char* bytes_of(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data, const char* what) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    if (HMAC(md, key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(), mac.data(),
             &len) == nullptr)
        throw Error(exit_status::software, std::string(what) + " failed (OpenSSL)");
    return {reinterpret_cast<const char*>(mac.data()), len};
}

// 16 raw bytes in the 8-4-4-4-12 form of RFC 4122.
std::string uuid_text(std::string_view bytes) {
    const std::string hex = to_hex(bytes);
    return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
           hex.substr(16, 4) + '-' + hex.substr(20);
}

// The 16 bytes of a UUID in canonical text form.
std::string uuid_bytes(std::string_view text) {
    if (text.size() != 36)
        throw std::invalid_argument("not a UUID: " + std::string(text));
    std::string hex;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (text[i] == '-'))
            throw std::invalid_argument("not a UUID: " + std::string(text));
        if (!dash)
            hex += text[i];
    }
    std::string out;
    for (std::size_t i = 0; i < 32; i += 2) {
        const int hi = hex_digit(hex[i]);
        const int lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            throw std::invalid_argument("not a UUID: " + std::string(text));
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

} // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
    return hmac(EVP_sha256(), key, data, "HMAC-SHA256");
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    return to_hex(hmac_sha256(key, data));
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
    return hmac(EVP_sha1(), key, data, "HMAC-SHA1");
}

std::string sha256(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1)
        throw Error(exit_status::software, "SHA-256 failed (OpenSSL)");
    return {reinterpret_cast<const char*>(md.data()), len};
}

std::string to_hex(std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 0x0f]);
    }
    return out;
}

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(data),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // EVP_DecodeBlock skips surrounding blanks, but wants whole quanta and
    // returns the padding as zero bytes: check the one, strip the other.
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
        ++pad;
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                  static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw Error(exit_status::software, "cannot get random bytes (RAND_bytes failed)");
    return out;
}

std::string new_uuid() {
    std::string b = random_bytes(16);
    b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);
    b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);
    return uuid_text(b);
}

std::string uuid_v5(std::string_view namespace_uuid, std::string_view name) {
    const std::string input = uuid_bytes(namespace_uuid) + std::string(name);
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), md.data(), &len, EVP_sha1(), nullptr) != 1 ||
        len < 16)
        throw Error(exit_status::software, "SHA-1 failed (OpenSSL)");
    md[6] = static_cast<unsigned char>((md[6] & 0x0F) | 0x50);
    md[8] = static_cast<unsigned char>((md[8] & 0x3F) | 0x80);
    return uuid_text({reinterpret_cast<const char*>(md.data()), 16});
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace shopkit
