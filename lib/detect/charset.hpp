// Page and feed bodies in the character set they were sent in (many Japanese
// shops and malls still serve Shift_JIS or EUC-JP) made UTF-8, so that a
// UTF-8 expect_text or feed pattern can match them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

// The body's declared character set, lower-cased: from `content_type`
// ("text/html; charset=Shift_JIS"), else a <meta charset> / http-equiv tag or
// an XML declaration's encoding in the first 1024 bytes; "" when none is declared.
std::string declared_charset(std::string_view body, std::string_view content_type);

// The iconv name shopkit converts from for a declared character set (as
// declared_charset gives it; '_' reads as '-'): "UTF-8" for UTF-8, US-ASCII and
// nothing declared; "CP932" for Shift_JIS and its aliases (Windows-31J, CP932,
// MS932, SJIS); "EUC-JP-MS" for EUC-JP; "ISO-2022-JP"; "CP1252" for ISO-8859-1,
// Latin-1 and Windows-1252 (as browsers read them). Any other name: nullopt;
// a server's word is never handed to iconv (iconv_open loads modules by name).
std::optional<std::string_view> supported_charset(std::string_view declared);

// `body` converted to UTF-8 from its declared character set, or nullopt when
// it is to be read as it is: it declares UTF-8 or ASCII, nothing, or a set
// supported_charset refuses (then its name goes to *unsupported when given).
// An invalid byte becomes U+FFFD; an incomplete character at the end (a body
// cut at max_body) is dropped. Never throws but bad_alloc.
std::optional<std::string> converted_to_utf8(std::string_view body, std::string_view content_type,
                                             std::string* unsupported = nullptr);

// converted_to_utf8, or `body` unchanged when there is nothing to convert.
std::string to_utf8(std::string body, std::string_view content_type);

} // namespace shopkit
