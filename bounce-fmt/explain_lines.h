// The line-level pieces every notice reader of bounce-explain uses
// (explain_read.cc reads RFC 3464 reports, explain_formats.cc the texts of
// qmail, Exim, Postfix, Gmail and Microsoft). Internal to the family.
#ifndef QSEND_BOUNCE_EXPLAIN_LINES_H
#define QSEND_BOUNCE_EXPLAIN_LINES_H

#include "bounce-fmt/explain.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qs::bounce::explain {

inline bool digit(char c) { return c >= '0' && c <= '9'; }
// Spaces and tabs off both ends.
std::string_view trim(std::string_view s);
bool contains_nocase(std::string_view s, std::string_view what);
// The lines of text ("\n" only: read_notice normalises CRLF and CR).
std::vector<std::string_view> lines_of(std::string_view text);
inline bool blank(std::string_view line) { return trim(line).empty(); }
inline bool indented(std::string_view line) { return !line.empty() && (line[0] == ' ' || line[0] == '\t'); }
// Lines joined with single spaces, each trimmed.
std::string joined(std::span<const std::string_view> lines);
// The status of a reason: an enhanced code in it, else the class of its
// SMTP reply, else fallback.
std::string status_in(std::string_view reason, std::string_view fallback);
// Adds one failed recipient (none without an address, no repeats), the
// diagnostic made one line.
void add_failed(std::vector<Failed>& out, std::string address, std::string status, std::string diagnostic);

// What one reader found in a text part.
struct Found {
    Format format;
    std::vector<Failed> failed;
};
// The readers of explain_formats.cc: nullopt when the text is not theirs.
std::optional<Found> read_qsbmf(std::string_view text);
std::optional<Found> read_exim(std::string_view text);
std::optional<Found> read_postfix(std::string_view text);
// delayed: set for Gmail's delay warning.
std::optional<Found> read_gmail(std::string_view text, bool& delayed);
std::optional<Found> read_microsoft(std::string_view text);

} // namespace qs::bounce::explain

#endif
