// qmail-queue's envelope on descriptor 1 (qmail-queue(8)).
#include "sendlimit/sendlimit.h"

namespace qs::sendlimit {

std::optional<Envelope> parse_envelope(std::string_view bytes)
{
    Envelope e;
    if (bytes.empty() || bytes[0] != 'F') return std::nullopt;
    size_t nul = bytes.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    e.sender = std::string(bytes.substr(1, nul - 1));
    size_t pos = nul + 1;
    for (;;) {
        if (pos >= bytes.size()) return std::nullopt;
        if (bytes[pos] == '\0') break;
        if (bytes[pos] != 'T') return std::nullopt;
        nul = bytes.find('\0', pos);
        if (nul == std::string_view::npos) return std::nullopt;
        e.recipients.emplace_back(bytes.substr(pos + 1, nul - pos - 1));
        pos = nul + 1;
    }
    if (pos + 1 != bytes.size()) return std::nullopt;  // bytes after the end
    return e;
}

std::string format_envelope(std::string_view sender, const std::vector<std::string>& recipients)
{
    std::string out = "F";
    out += sender;
    out += '\0';
    for (const auto& r : recipients) {
        out += 'T';
        out += r;
        out += '\0';
    }
    out += '\0';
    return out;
}

} // namespace qs::sendlimit
