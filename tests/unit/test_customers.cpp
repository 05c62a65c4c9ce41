#include "lib/announce/customers.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <string>

using namespace shopkit;

namespace {

// The exit status and message of the config_error `fn` throws.
template <typename Fn> std::string config_error_of(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::config);
        return e.what();
    }
    FAIL("no error thrown");
    return {};
}

std::vector<std::string> emails(const std::vector<Customer>& list) {
    std::vector<std::string> out;
    for (const auto& c : list)
        out.push_back(c.email);
    return out;
}

} // namespace

TEST_CASE("customers: columns in any order, extra columns ignored") {
    const auto list = parse_customers("segment,Opted_In,id,EMAIL,name,notes\n"
                                      "vip,yes,1,taro@example.com,山田 太郎,x\n"
                                      "news,no,2,hanako@example.com,佐藤 花子,\n",
                                      "c.csv");
    REQUIRE(list.customers.size() == 2);
    CHECK(list.problems.empty());
    CHECK(list.customers[0].email == "taro@example.com");
    CHECK(list.customers[0].name == "山田 太郎");
    CHECK(list.customers[0].segment == "vip");
    CHECK(list.customers[0].opted_in);
    CHECK(list.customers[0].line == 2);
    CHECK_FALSE(list.customers[1].opted_in);
    CHECK(list.customers[1].line == 3);
}

TEST_CASE("customers: RFC 4180 quoting, CRLF, BOM and embedded newlines") {
    const std::string text = "\xEF\xBB\xBF"
                             "email,name,segment,opted_in\r\n"
                             "\"a@example.com\",\"Store, \"\"Tokyo\"\"\",vip,TRUE\r\n"
                             "b@example.com,\"two\r\nlines\",news,1\r\n"
                             "c@example.com,plain,news,Y\r\n";
    const auto list = parse_customers(text, "c.csv");
    REQUIRE(list.customers.size() == 3);
    CHECK(list.problems.empty());
    CHECK(list.customers[0].name == "Store, \"Tokyo\"");
    CHECK(list.customers[1].name == "two\r\nlines");
    CHECK(list.customers[1].line == 3);
    // The embedded line break counts: c starts on line 5.
    CHECK(list.customers[2].line == 5);
    CHECK(list.customers[2].opted_in);
}

TEST_CASE("customers: opted_in values") {
    const auto list =
        parse_customers("email,opted_in\n"
                        "a@x.jp,true\nb@x.jp,Yes\nc@x.jp, y \nd@x.jp,1\n"
                        "e@x.jp,false\nf@x.jp,\ng@x.jp,0\nh@x.jp,no\ni@x.jp,opted in\n"
                        "j@x.jp\n",
                        "c.csv");
    CHECK(emails(select_customers(list, {})) ==
          std::vector<std::string>{"a@x.jp", "b@x.jp", "c@x.jp", "d@x.jp"});
    CHECK(list.customers.size() == 10);
    // No name or segment column: both empty.
    CHECK(list.customers[0].name.empty());
    CHECK(list.customers[0].segment.empty());
}

TEST_CASE("customers: bad rows are reported with file:line and skipped") {
    const auto list = parse_customers("email,name,segment,opted_in\n"
                                      "good@example.com,A,vip,yes\n"
                                      ",No Email,vip,yes\n"
                                      "not-an-address,B,vip,yes\n"
                                      "two words@example.com,C,vip,yes\n"
                                      "\n"
                                      "GOOD@example.com,Again,vip,yes\n"
                                      "last@example.com,D,vip,yes",
                                      "shop/customers.csv");
    CHECK(emails(list.customers) ==
          std::vector<std::string>{"good@example.com", "last@example.com"});
    REQUIRE(list.problems.size() == 4);
    CHECK(list.problems[0] == "shop/customers.csv:3: no email; row skipped");
    CHECK(
        list.problems[1] ==
        "shop/customers.csv:4: \"not-an-address\" is not an e-mail address (no '@'); row skipped");
    CHECK(list.problems[2].starts_with("shop/customers.csv:5: \"two words@example.com\""));
    CHECK(list.problems[3] ==
          "shop/customers.csv:7: \"GOOD@example.com\" is already on line 2; row skipped");
}

TEST_CASE("customers: an address that opts out in any row is not mailed") {
    const auto list = parse_customers("email,opted_in\n"
                                      "a@example.com,yes\n"
                                      "b@example.com,yes\n"
                                      "A@EXAMPLE.COM,no\n",
                                      "c.csv");
    CHECK(emails(select_customers(list, {})) == std::vector<std::string>{"b@example.com"});
    REQUIRE(list.problems.size() == 1);
    CHECK(list.problems[0].find("opts out here") != std::string::npos);
}

TEST_CASE("customers: segment filter") {
    const auto list = parse_customers("email,segment,opted_in\n"
                                      "a@x.jp,vip,yes\nb@x.jp,news,yes\nc@x.jp,,yes\n"
                                      "d@x.jp,vip,no\ne@x.jp,staff,yes\n",
                                      "c.csv");
    CHECK(emails(select_customers(list, {"vip"})) == std::vector<std::string>{"a@x.jp"});
    CHECK(emails(select_customers(list, {"vip", "news"})) ==
          std::vector<std::string>{"a@x.jp", "b@x.jp"});
    CHECK(emails(select_customers(list, {})) ==
          std::vector<std::string>{"a@x.jp", "b@x.jp", "c@x.jp", "e@x.jp"});
    CHECK(select_customers(list, {"nobody"}).empty());
}

TEST_CASE("customers: a malformed file is a config error naming file and line") {
    CHECK(config_error_of([] {
              parse_customers("", "c.csv");
          }).find("c.csv: the customer list is empty") == 0);
    CHECK(config_error_of([] { parse_customers("name,segment\na,b\n", "c.csv"); }) ==
          "c.csv:1: the header row has no 'email' column (it names the columns: email, name, "
          "segment, opted_in)");
    CHECK(config_error_of([] {
              parse_customers("email,name\na@x.jp,b\n", "c.csv");
          }).find("no 'opted_in' column") != std::string::npos);
    CHECK(config_error_of([] { parse_customers("email,opted_in,Email\n", "c.csv"); }) ==
          "c.csv:1: the column 'email' is named twice");
    CHECK(config_error_of([] {
              parse_customers("email,name,opted_in\na@x.jp,ok,yes\nb@x.jp,\"never closed,yes\n"
                              "c@x.jp,x,yes\n",
                              "c.csv");
          }) == "c.csv:3: a quoted field that starts here never ends (a missing '\"')");
}

TEST_CASE("customers: load_customers reads a file, or says why it cannot") {
    test::TempDir dir;
    const auto path = dir.path() / "customers.csv";
    {
        std::ofstream out(path);
        out << "email,name,segment,opted_in\ntaro@example.com,Taro,vip,yes\n";
    }
    const auto list = load_customers(path);
    REQUIRE(list.customers.size() == 1);
    CHECK(list.customers[0].name == "Taro");
    const std::string missing = (dir.path() / "nope.csv").string();
    CHECK(config_error_of([&] { load_customers(missing); }) ==
          missing + ": cannot read: No such file or directory");
}

TEST_CASE("customers: the token column is read and checked", "[customers]") {
    const auto list = parse_customers("email,opted_in,token\n"
                                      "a@example.com,yes,tok-A_1.~\n"
                                      "b@example.com,yes,\n"
                                      "c@example.com,yes,bad token\n",
                                      "c.csv");
    REQUIRE(list.customers.size() == 2);
    CHECK(list.customers[0].token == "tok-A_1.~");
    CHECK(list.customers[1].token.empty());
    REQUIRE(list.problems.size() == 1);
    CHECK(list.problems[0].starts_with("c.csv:4: the token of \"c@example.com\""));
}

TEST_CASE("customers: the unsubscribe token is the HMAC of the lower-cased address",
          "[customers]") {
    const std::string t = unsubscribe_token("secret", "Taro@Example.com");
    CHECK(t == unsubscribe_token("secret", "taro@example.com"));
    CHECK(t != unsubscribe_token("other", "taro@example.com"));
    CHECK(t.size() == 22);
    CHECK(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    // python3 -c 'import hmac,hashlib,base64; print(base64.urlsafe_b64encode(hmac.new(
    //   b"secret", b"taro@example.com", hashlib.sha256).digest())[:22])'
    CHECK(t == "8FYm5UYSQCpvjclBUqAmlh");
}

TEST_CASE("customers: the token goes into the unsubscribe URL", "[customers]") {
    CHECK(unsubscribe_url("https://s.example/u", "T") == "https://s.example/u?t=T");
    CHECK(unsubscribe_url("https://s.example/u?a=1", "T") == "https://s.example/u?a=1&t=T");
    CHECK(unsubscribe_url("https://s.example/u#x", "T") == "https://s.example/u?t=T#x");
    CHECK(unsubscribe_url("https://s.example/u/{token}/", "T") == "https://s.example/u/T/");
    CHECK(unsubscribe_url("https://s.example/u", "") == "https://s.example/u");
    CHECK(unsubscribe_url("", "T").empty());
}

TEST_CASE("customers: unknown {{customer.X}} fields are found", "[customers]") {
    CHECK(unknown_customer_fields("{{customer.name}} {{customer.email}} {{{customer.token}}}")
              .empty());
    CHECK(unknown_customer_fields("{{#customer.phone}}x{{/customer.phone}} {{ customer.zip }}") ==
          std::vector<std::string>{"phone", "zip"});
    CHECK(unknown_customer_fields("{{shop.name}} customer.phone").empty());
}
