#include "lib/date822.h"

#include <charconv>
#include <ctime>

namespace qs {

namespace {
void append_number(std::string& out, unsigned value, int width)
{
    char digits[16];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    for (int pad = width - static_cast<int>(end - digits); pad > 0; --pad) out += '0';
    out.append(digits, end);
}
} // namespace

std::string date822_line(std::int64_t seconds)
{
    static const char* const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::time_t t = static_cast<std::time_t>(seconds);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    std::string out = "Date: ";
    append_number(out, static_cast<unsigned>(tm.tm_mday), 0);
    out += ' ';
    out += months[tm.tm_mon];
    out += ' ';
    append_number(out, static_cast<unsigned>(tm.tm_year + 1900), 0);
    out += ' ';
    append_number(out, static_cast<unsigned>(tm.tm_hour), 2);
    out += ':';
    append_number(out, static_cast<unsigned>(tm.tm_min), 2);
    out += ':';
    append_number(out, static_cast<unsigned>(tm.tm_sec), 2);
    out += " -0000\n";
    return out;
}

} // namespace qs
