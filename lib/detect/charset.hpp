// Page and feed bodies in the character set they were sent in (many Japanese
// shops and malls still serve Shift_JIS or EUC-JP) made UTF-8, so that a
// UTF-8 expect_text or feed pattern can match them.
#pragma once

#include <string>
#include <string_view>

namespace shopkit {

// The body's declared character set, lower-cased: from `content_type`
// ("text/html; charset=Shift_JIS"), else a <meta charset> / http-equiv tag or
// an XML declaration's encoding in the first 1024 bytes; "" when none is declared.
std::string declared_charset(std::string_view body, std::string_view content_type);

// `body` converted to UTF-8 from its declared character set. Returns the body
// unchanged when it declares UTF-8 or ASCII, declares nothing, or names a set
// iconv does not know. An invalid byte becomes U+FFFD; an incomplete character
// at the end (a body cut at max_body) is dropped. Never throws but bad_alloc.
std::string to_utf8(std::string body, std::string_view content_type);

} // namespace shopkit
