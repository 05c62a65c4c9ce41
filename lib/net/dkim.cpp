#include "lib/net/dkim.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <fmt/core.h>

// dkim.h is C and spells the boolean type C99's way.
#define _Bool bool
extern "C" {
#include <opendkim/dkim.h>
}
#undef _Bool

#include <cctype>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace shopkit::dkim {

namespace {

// The DER of the key between the PEM lines `begin` and its END line.
std::optional<std::string> pem_body(std::string_view pem, std::string_view label) {
    const std::string begin = fmt::format("-----BEGIN {}-----", label);
    const std::string end = fmt::format("-----END {}-----", label);
    const auto b = pem.find(begin);
    if (b == std::string_view::npos)
        return std::nullopt;
    const auto e = pem.find(end, b);
    if (e == std::string_view::npos)
        return std::nullopt;
    std::string text;
    for (char ch : pem.substr(b + begin.size(), e - b - begin.size()))
        if (!std::isspace(static_cast<unsigned char>(ch)))
            text += ch;
    return base64_decode(text);
}

bool dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.')
        return false;
    for (char ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.' && ch != '_')
            return false;
    return s.find("..") == std::string_view::npos;
}

} // namespace

std::optional<Algorithm> key_algorithm(std::string_view pem) {
    if (pem_body(pem, "RSA PRIVATE KEY"))
        return Algorithm::rsa_sha256;
    const auto der = pem_body(pem, "PRIVATE KEY");
    if (!der)
        return std::nullopt;
    // PKCS#8 names its algorithm by OID near the start: rsaEncryption
    // 1.2.840.113549.1.1.1, or id-Ed25519 1.3.101.112.
    const std::string_view head = std::string_view(*der).substr(0, 32);
    if (head.find(std::string_view("\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 11)) !=
        std::string_view::npos)
        return Algorithm::rsa_sha256;
    if (head.find(std::string_view("\x06\x03\x2b\x65\x70", 5)) != std::string_view::npos)
        return Algorithm::ed25519_sha256;
    return std::nullopt;
}

struct Signer::Impl {
    std::string key;
    std::string domain;
    std::string selector;
    Algorithm algorithm = Algorithm::rsa_sha256;
    DKIM_LIB* lib = nullptr;
    std::vector<std::string> names; // what `headers` points into
    std::vector<const char*> headers;
};

Signer::Signer(std::string key_pem, std::string domain, std::string selector)
    : impl_(std::make_unique<Impl>()) {
    const auto algorithm = key_algorithm(key_pem);
    if (!algorithm)
        throw std::invalid_argument("the DKIM key is not an unencrypted PEM RSA or Ed25519 "
                                    "private key");
    if (!dns_name(domain))
        throw std::invalid_argument(fmt::format("'{}' is not a domain name", domain));
    if (!dns_name(selector))
        throw std::invalid_argument(fmt::format("'{}' is not a DKIM selector", selector));
    Impl& s = *impl_;
    s.key = std::move(key_pem);
    s.domain = std::move(domain);
    s.selector = std::move(selector);
    s.algorithm = *algorithm;
    s.lib = dkim_init(nullptr, nullptr);
    if (s.lib == nullptr)
        throw Error(exit_status::software, "cannot start libopendkim");
    std::string_view rest = signed_headers;
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        s.names.emplace_back(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    for (const std::string& n : s.names)
        s.headers.push_back(n.c_str());
    s.headers.push_back(nullptr);
    if (dkim_options(s.lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, s.headers.data(), sizeof(char**)) !=
        DKIM_STAT_OK)
        throw Error(exit_status::software, "libopendkim refused the list of signed headers");
}

Signer::~Signer() {
    if (impl_->lib)
        dkim_close(impl_->lib);
}

Algorithm Signer::algorithm() const noexcept {
    return impl_->algorithm;
}

std::string Signer::sign(std::string_view message) const {
    const Impl& s = *impl_;
    DKIM_STAT st = DKIM_STAT_OK;
    const auto alg =
        s.algorithm == Algorithm::ed25519_sha256 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
    DKIM* d = dkim_sign(s.lib, reinterpret_cast<const unsigned char*>("shopkit"), nullptr,
                        reinterpret_cast<dkim_sigkey_t>(const_cast<char*>(s.key.c_str())),
                        reinterpret_cast<const unsigned char*>(s.selector.c_str()),
                        reinterpret_cast<const unsigned char*>(s.domain.c_str()),
                        DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &st);
    if (d == nullptr)
        throw Error(exit_status::software,
                    fmt::format("DKIM: cannot start a signature ({})", dkim_getresultstr(st)));
    auto fail = [&](const char* stage) {
        const char* why = dkim_geterror(d);
        std::string text =
            fmt::format("DKIM: {} failed: {}", stage, why ? why : dkim_getresultstr(st));
        dkim_free(d);
        throw Error(exit_status::software, text);
    };
    const auto end = message.find("\r\n\r\n");
    const std::string_view head =
        message.substr(0, end == std::string_view::npos ? message.size() : end + 2);
    std::string field;
    auto flush = [&] {
        if (field.empty())
            return;
        st = dkim_header(d, reinterpret_cast<u_char*>(field.data()), field.size());
        if (st != DKIM_STAT_OK)
            fail("a header");
        field.clear();
    };
    std::size_t pos = 0;
    while (pos < head.size()) {
        auto eol = head.find("\r\n", pos);
        if (eol == std::string_view::npos)
            eol = head.size();
        const std::string_view line = head.substr(pos, eol - pos);
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            field += "\r\n";
        } else {
            flush();
        }
        field += line;
        pos = eol + 2;
    }
    flush();
    if ((st = dkim_eoh(d)) != DKIM_STAT_OK)
        fail("the end of the headers");
    if (end != std::string_view::npos) {
        std::string body(message.substr(end + 4));
        if (!body.empty() && (st = dkim_body(d, reinterpret_cast<u_char*>(body.data()),
                                             body.size())) != DKIM_STAT_OK)
            fail("the body");
    }
    if ((st = dkim_eom(d, nullptr)) != DKIM_STAT_OK)
        fail("the signature");
    u_char* buf = nullptr;
    size_t len = 0;
    constexpr std::string_view name = "DKIM-Signature: ";
    if ((st = dkim_getsighdr_d(d, name.size(), &buf, &len)) != DKIM_STAT_OK)
        fail("the header");
    std::string out = std::string(name) + std::string(reinterpret_cast<char*>(buf), len) + "\r\n";
    dkim_free(d);
    return out;
}

} // namespace shopkit::dkim
