#include "lib/core/secret.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using shopkit::redact;
using shopkit::resolve_secret;
using shopkit::SecretRef;

using shopkit::test::ScopedEnv;
using shopkit::test::TempDir;

namespace {

fs::path write_file(const fs::path& path, const std::string& content, mode_t mode) {
    std::ofstream(path, std::ios::binary) << content;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    return path;
}

SecretRef env_ref(const std::string& name) {
    return SecretRef{SecretRef::Source::env, name, "shop.toml:12:3", "token_env"};
}

SecretRef file_ref(const fs::path& path) {
    return SecretRef{SecretRef::Source::file, path.string(), "shop.toml:20:1", ""};
}

std::string error_of(const SecretRef& ref) {
    try {
        resolve_secret(ref);
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        return e.what();
    }
    FAIL("no error");
    return "";
}

} // namespace

TEST_CASE("secret: from an environment variable") {
    ScopedEnv env("SHOPKIT_TEST_TOKEN", std::string("s3cret-value"));
    CHECK(resolve_secret(env_ref("SHOPKIT_TEST_TOKEN")) == "s3cret-value");
}

TEST_CASE("secret: an unset or empty variable is named with where, never a value") {
    {
        ScopedEnv env("SHOPKIT_TEST_TOKEN", std::nullopt);
        const std::string message = error_of(env_ref("SHOPKIT_TEST_TOKEN"));
        CHECK_THAT(message, Catch::StartsWith("shop.toml:12:3: "));
        CHECK_THAT(message, Catch::Contains("SHOPKIT_TEST_TOKEN is not set"));
    }
    {
        ScopedEnv env("SHOPKIT_TEST_TOKEN", std::string());
        CHECK_THAT(error_of(env_ref("SHOPKIT_TEST_TOKEN")), Catch::Contains("is empty"));
    }
}

TEST_CASE("secret: from a file, one trailing newline stripped") {
    TempDir dir;
    CHECK(resolve_secret(file_ref(write_file(dir.path() / "a", "tok\n", 0600))) == "tok");
    CHECK(resolve_secret(file_ref(write_file(dir.path() / "b", "tok\r\n", 0600))) == "tok");
    CHECK(resolve_secret(file_ref(write_file(dir.path() / "c", "tok", 0400))) == "tok");
    CHECK(resolve_secret(file_ref(write_file(dir.path() / "d", "tok\n\n", 0600))) == "tok\n");
    CHECK(resolve_secret(file_ref(write_file(dir.path() / "e", " a b ", 0600))) == " a b ");
}

TEST_CASE("secret: a file readable by group or others is refused") {
    TempDir dir;
    const fs::path path = write_file(dir.path() / "token", "do-not-print-me\n", 0644);
    const std::string message = error_of(file_ref(path));
    CHECK_THAT(message, Catch::StartsWith("shop.toml:20:1: "));
    CHECK_THAT(message,
               Catch::Contains(path.string() + " is readable by group or others: chmod 600 " +
                               path.string()));
    CHECK_THAT(message, !Catch::Contains("do-not-print-me"));

    write_file(path, "x", 0640);
    CHECK_THAT(error_of(file_ref(path)), Catch::Contains("readable by group or others"));
    write_file(path, "x", 0620);
    CHECK_THAT(error_of(file_ref(path)), Catch::Contains("writable by group or others"));
    write_file(path, "x", 0600);
    CHECK(resolve_secret(file_ref(path)) == "x");
}

TEST_CASE("secret: a missing, empty or odd file is an error naming it") {
    TempDir dir;
    const fs::path missing = dir.path() / "missing";
    CHECK_THAT(error_of(file_ref(missing)),
               Catch::Contains("cannot read secret file " + missing.string() + ": No such file"));
    const fs::path empty = write_file(dir.path() / "empty", "\n", 0600);
    CHECK_THAT(error_of(file_ref(empty)), Catch::Contains(empty.string() + " is empty"));
    fs::create_directory(dir.path() / "sub");
    ::chmod((dir.path() / "sub").c_str(), 0700);
    CHECK_THAT(error_of(file_ref(dir.path() / "sub")), Catch::Contains("not a regular file"));
}

TEST_CASE("secret: a FIFO, a link or another's file is refused at once, named by its key") {
    TempDir dir;
    const auto keyed = [](const fs::path& path) {
        return SecretRef{SecretRef::Source::file, path.string(), "shop.toml:20:1", "token_file"};
    };
    // A FIFO with no writer would block a plain open() for ever.
    const fs::path fifo = dir.path() / "fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(error_of(keyed(fifo)) == "shop.toml:20:1: token_file " + fifo.string() +
                                       " is a FIFO, not a regular file: a secret file must be a "
                                       "plain file (mode 600)");

    const fs::path real = write_file(dir.path() / "real", "tok-in-the-real-file\n", 0600);
    const fs::path link = dir.path() / "link";
    fs::create_symlink(real, link);
    CHECK_THAT(error_of(keyed(link)), Catch::StartsWith("shop.toml:20:1: token_file " +
                                                        link.string() + " is a symbolic link"));
    CHECK(resolve_secret(keyed(real)) == "tok-in-the-real-file");

    write_file(real, "x", 0644);
    CHECK_THAT(error_of(keyed(real)),
               Catch::StartsWith("shop.toml:20:1: token_file " + real.string() +
                                 " is readable by group or others"));
    CHECK_THAT(error_of(keyed(dir.path() / "missing")),
               Catch::StartsWith("shop.toml:20:1: token_file: cannot read secret file "));

    // Only root can give a file away; as anyone else the test has nothing to try.
    if (::geteuid() == 0) {
        write_file(real, "x", 0600);
        REQUIRE(::chown(real.c_str(), 65534, 65534) == 0);
        CHECK_THAT(error_of(keyed(real)),
                   Catch::Contains(" is owned by uid 65534, not by this user"));
    }
}

TEST_CASE("secret: nothing configured is an error") {
    CHECK(SecretRef{}.empty());
    CHECK_THAT(error_of(SecretRef{}), Catch::Contains("no secret given"));
}

TEST_CASE("secret: every resolved secret, and each part of a secret URL, is redacted") {
    shopkit::test::ScopedEnv token("SHOPKIT_TEST_REDACT_TOKEN", std::string("tok-1234567890"));
    shopkit::test::ScopedEnv hook("SHOPKIT_TEST_REDACT_HOOK",
                                  std::string("https://hooks.example.com/services/T0001/B0002/"
                                              "XyZsecretPart99?key=abcdefgh12345"));
    CHECK(redact("nothing known yet: tok-1234567890") == "nothing known yet: tok-1234567890");
    resolve_secret(SecretRef{SecretRef::Source::env, "SHOPKIT_TEST_REDACT_TOKEN", "t", ""});
    resolve_secret(SecretRef{SecretRef::Source::env, "SHOPKIT_TEST_REDACT_HOOK", "t", ""});
    CHECK(redact("Bearer tok-1234567890 twice tok-1234567890") == "Bearer [secret] twice [secret]");
    const std::string hook_url =
        "https://hooks.example.com/services/T0001/B0002/XyZsecretPart99?key=abcdefgh12345";
    CHECK(redact("POST " + hook_url + " failed") == "POST [secret] failed");
    CHECK(redact("no route for /services/T0001/B0002/XyZsecretPart99?key=abcdefgh12345") ==
          "no route for [secret]");
    CHECK(redact("token XyZsecretPart99 and abcdefgh12345") == "token [secret] and [secret]");
    // The host is no secret; every path segment is (a token need not hold a digit).
    CHECK(redact("hooks.example.com is fine") == "hooks.example.com is fine");
    CHECK(redact("services") == "[secret]");
}

namespace {

// True when `text` holds `secret`'s first `n` bytes or more (n <= secret.size()).
bool holds_prefix(const std::string& text, const std::string& secret, std::size_t n) {
    for (std::size_t len = n; len <= secret.size(); ++len)
        if (text.find(secret.substr(0, len)) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("secret: a secret is redacted JSON-escaped and percent-encoded too") {
    const std::string token = "lineTok/ABC+def=ghi/JKLmn0p=";
    shopkit::remember_secret(token);
    CHECK(redact("{\"message\":\"lineTok\\/ABC+def=ghi\\/JKLmn0p=\"}") ==
          "{\"message\":\"[secret]\"}");
    CHECK(redact("token=lineTok%2FABC%2Bdef%3Dghi%2FJKLmn0p%3D&x=1") == "token=[secret]&x=1");
    CHECK(redact("token=lineTok%2fABC%2bdef%3dghi%2fJKLmn0p%3d") == "token=[secret]");
    CHECK(redact("plain " + token) == "plain [secret]");
}

TEST_CASE("secret: every path segment of a secret URL, without digits too, escaped too") {
    shopkit::remember_secret("https://hooks.example.net/hookpath/abcdefghijkl/mnopqrstuvwx");
    CHECK(redact("unknown token mnopqrstuvwx") == "unknown token [secret]");
    CHECK(redact("id abcdefghijkl") == "id [secret]");
    CHECK(redact("{\"path\":\"\\/hookpath\\/abcdefghijkl\\/mnopqrstuvwx\"}") ==
          "{\"path\":\"[secret]\"}");
    CHECK(redact("https:\\/\\/hooks.example.net\\/hookpath\\/abcdefghijkl\\/mnopqrstuvwx") ==
          "[secret]");
    CHECK(redact("hooks.example.net answered") == "hooks.example.net answered");
}

TEST_CASE("secret: redact_prefix redacts before it cuts") {
    const std::string token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    shopkit::remember_secret(token);
    for (std::size_t at = 170; at < 205; ++at) {
        const std::string text = std::string(at, 'x') + token + " and more";
        const std::string cut = shopkit::redact_prefix(text, 200);
        CHECK_FALSE(holds_prefix(cut, token, 4));
        CHECK(cut.size() <= 200 + std::string("…").size());
        // Cut only when what is left after redaction is still too long.
        if (redact(text).size() > 200)
            CHECK(cut.ends_with("…"));
        else
            CHECK(cut == redact(text));
    }
    CHECK(shopkit::redact_prefix("short " + token, 200) == "short [secret]");
    CHECK(shopkit::redact_prefix(std::string(199, 'a') + "障害", 200) ==
          std::string(199, 'a') + "…");
}

TEST_CASE("redact_value replaces every long-enough occurrence", "[secret]") {
    using shopkit::redact_value;
    CHECK(redact_value("a tok1234 b tok1234", "tok1234") == "a [secret] b [secret]");
    CHECK(redact_value("a tok b", "tok") == "a tok b"); // shorter than min_redacted
    CHECK(redact_value("a tok b", "tok", "<url>", 3) == "a <url> b");
    CHECK(redact_value("xxxx", "xx", "xx", 2) == "xxxx"); // scans on after the mark
    CHECK(redact_value("abc", "", "<url>", 0) == "abc");
}

TEST_CASE("url_after_authority is the path, query and fragment", "[secret]") {
    using shopkit::url_after_authority;
    CHECK(url_after_authority("https://h.example/a/b?c#d") == "/a/b?c#d");
    CHECK(url_after_authority("https://h.example?token=1") == "?token=1");
    CHECK(url_after_authority("https://h.example") == "");
    CHECK(url_after_authority("not a url") == "");
}
