// The Date line qmail writes into the notices it makes itself (qmail
// 1.03 date822fmt.c): "Date: 17 Mar 1996 03:54:40 -0000\n", always UTC,
// the day not padded. bounce-fmt's failure notice and sendlimit's
// suspension notice share it, so both read like qmail-send's.
#ifndef QSEND_LIB_DATE822_H
#define QSEND_LIB_DATE822_H

#include <cstdint>
#include <string>

namespace qs {

std::string date822_line(std::int64_t seconds);

} // namespace qs

#endif
