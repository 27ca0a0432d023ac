// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and
// 2), parsed from bytes the caller reads. The reader must not take one byte
// past the header, so parsing is incremental: given what has been read so
// far, the parser says how many more bytes it needs, or that the header is
// complete, or why it is refused.
#ifndef QSEND_PROXY_HEADER_H
#define QSEND_PROXY_HEADER_H

#include "lib/ipaddr.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qs::proxy {

// A v1 line is at most 107 bytes with its CRLF.
constexpr size_t max_v1 = 107;
// A v2 header is 16 bytes plus its length; more than this (addresses plus
// the TLVs HAProxy and stunnel send) is refused as oversized.
constexpr size_t max_v2_payload = 1024;

enum class Command {
    proxy,  // a proxied connection: the addresses are the client's
    local,  // the front end's own connection (a health check): run nothing
};

struct Header {
    int version = 0;  // 1 or 2
    Command command = Command::proxy;
    Address source, destination;  // Command::proxy only
    uint16_t source_port = 0, destination_port = 0;
};

struct Parsed {
    enum Kind { need_more, complete, refused } kind = need_more;
    size_t more = 0;      // need_more: read exactly this many further bytes
    Header header;        // complete
    std::string reason;   // refused: a short phrase for the log
};

// bytes: everything read so far (start with none: it asks for 1 byte).
// Asks only for bytes that belong to the header, so a caller that reads
// exactly what is asked never consumes the session's first byte.
Parsed parse_header(std::string_view bytes);

} // namespace qs::proxy

#endif
