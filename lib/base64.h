// RFC 4648 base64's alphabet, for the decoders that differ in what they
// tolerate (a stored secret: nothing; a MIME body: line breaks) and for
// the one encoder.
#ifndef QSEND_LIB_BASE64_H
#define QSEND_LIB_BASE64_H

#include <string>
#include <string_view>

namespace qs::base64 {

// 0..63 for an alphabet character, else -1 ('=' included).
int value(char c);
// Padded with '=', no line breaks.
std::string encode(std::string_view in);

} // namespace qs::base64

#endif
