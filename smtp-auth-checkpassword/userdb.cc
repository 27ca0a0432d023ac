#include "smtp-auth-checkpassword/userdb.h"

#include "lib/ascii.h"
#include "lib/log.h"
#include "lib/owfat.h"
#include "smtp-auth-checkpassword/scheme.h"

#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs::auth {

namespace {
template <typename T>
bool parse_id(std::string_view text, std::optional<T>& out)
{
    if (text.empty()) return true;
    unsigned long n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n > 0xfffffffeUL) return false;
    out = static_cast<T>(n);
    return true;
}

uint32_t get_le32(const unsigned char* p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
} // namespace

Result<UserRecord> parse_record(std::string_view fields)
{
    std::string_view part[7];
    size_t n = 0;
    while (n < 6) {
        size_t colon = fields.find(':');
        if (colon == std::string_view::npos) break;
        part[n++] = fields.substr(0, colon);
        fields.remove_prefix(colon + 1);
    }
    part[n++] = fields;  // the last field (extra_fields) may hold ':'
    UserRecord r;
    r.secret.assign(part[0]);
    if (Status syntax = check_secret_syntax(r.secret); !syntax) return syntax.fault();
    if (!parse_id(part[1], r.uid)) return permanent_fault("uid is not a number");
    if (!parse_id(part[2], r.gid)) return permanent_fault("gid is not a number");
    r.home.assign(part[4]);
    r.shell.assign(part[5]);
    std::string_view extra = part[6];
    if (n < 7) extra = {};
    while (!extra.empty()) {
        size_t sp = extra.find(' ');
        std::string_view word = extra.substr(0, sp);
        if (word == "nologin" || word.starts_with("nologin=")) r.nologin = true;
        // a restriction is honoured or the line refused, never dropped
        if (word.starts_with("allow_nets=") || word.starts_with("allow_real_nets=")) {
            std::string_view list = word.substr(word.find('=') + 1);
            r.restricted = true;
            while (!list.empty()) {
                size_t comma = list.find(',');
                std::string_view item = list.substr(0, comma);
                auto p = parse_prefix(item);
                if (!p) return permanent_fault("allow_nets item is not an address or prefix: " + std::string(item));
                r.allow_nets.push_back(*p);
                if (comma == std::string_view::npos) break;
                list.remove_prefix(comma + 1);
            }
        }
        if (sp == std::string_view::npos) break;
        extra.remove_prefix(sp + 1);
    }
    return r;
}

bool UserRecord::allowed_from(const std::optional<Address>& client) const
{
    if (!restricted) return true;
    if (!client) return false;
    for (const auto& p : allow_nets)
        if (contains(p, *client)) return true;
    return false;
}

std::string normalise_user(std::string_view login, std::string_view default_domain)
{
    std::string out(login);
    size_t at = out.rfind('@');
    if (at == std::string::npos) {
        if (default_domain.empty()) return out;
        at = out.size();
        out += '@';
        out += default_domain;
    }
    for (size_t i = at + 1; i < out.size(); ++i) out[i] = ascii::lower(out[i]);
    return out;
}

std::string encode_refusal_floor(const RefusalFloor& floor)
{
    return std::to_string(floor.micros) + ":" + floor.hash;
}

std::optional<RefusalFloor> decode_refusal_floor(std::string_view value)
{
    size_t colon = value.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == value.size()) return std::nullopt;
    RefusalFloor f;
    auto [end, ec] = std::from_chars(value.data(), value.data() + colon, f.micros);
    if (ec != std::errc() || end != value.data() + colon) return std::nullopt;
    if (f.micros > 60'000'000) return std::nullopt;  // more than a minute: not a floor mkdb measured
    f.hash.assign(value.substr(colon + 1));
    return f;
}

struct timespec deadline_after(const struct timespec& start, uint64_t micros)
{
    struct timespec d = start;
    d.tv_sec += static_cast<time_t>(micros / 1000000);
    d.tv_nsec += static_cast<long>(micros % 1000000) * 1000;
    if (d.tv_nsec >= 1000000000) {
        d.tv_nsec -= 1000000000;
        ++d.tv_sec;
    }
    return d;
}

void sleep_until(const struct timespec& deadline)
{
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr) == EINTR) {
    }
}

bool valid_user_name(std::string_view name)
{
    if (name.empty() || name.size() > 255) return false;
    for (unsigned char c : name)
        if (c <= ' ' || c == ':' || c == 127) return false;
    return true;
}

bool UserDb::open(const std::string& path)
{
    fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_) {
        error_ = log::with_errno("unable to open " + path, errno);
        return false;
    }
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0) {
        error_ = log::with_errno("unable to stat " + path, errno);
        return false;
    }
    // djb's layout: 256 (position, slots) pairs, records, then the 256
    // hash tables in order, the last one ending at the end of the file.
    unsigned char header[2048];
    if (st.st_size < 2048 || !pread_exactly(fd_.get(), header, sizeof header, 0)) {
        error_ = path + " is truncated or corrupt";
        return false;
    }
    uint64_t end = 2048;
    for (int i = 0; i < 256; ++i) {
        uint64_t pos = get_le32(header + 8 * i), slots = get_le32(header + 8 * i + 4);
        if (i == 0 ? pos < end : pos != end) break;
        end = pos + 8 * slots;
        if (i == 255 && end == static_cast<uint64_t>(st.st_size)) {
            path_ = path;
            size_ = end;
            // zeroed: cdb_init first calls cdb_free, which unmaps a non-null map
            cdb_ = new struct cdb();
            cdb_init(cdb_, fd_.get());
            return true;
        }
    }
    error_ = path + " is truncated or corrupt";
    return false;
}

LookupResult UserDb::find(std::string_view key, std::string& fields)
{
    if (!cdb_) return LookupResult::fault;
    int r = cdb_find(cdb_, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    if (r < 0) {
        error_ = log::with_errno("unable to read the users database", errno);
        return LookupResult::fault;
    }
    if (r == 0) return LookupResult::absent;
    // Lengths come from the file: bounded before anything is allocated.
    const uint64_t pos = cdb_datapos(cdb_), len = cdb_datalen(cdb_);
    if (len > max_record_size || pos > size_ || len > size_ - pos) {
        error_ = path_ + " is corrupt: a record of " + std::to_string(len) + " bytes at " + std::to_string(pos) +
                 " (the file has " + std::to_string(size_) + ", a record at most " +
                 std::to_string(max_record_size) + "): rebuild it with smtp-auth-mkdb";
        return LookupResult::fault;
    }
    fields.resize(len);
    if (cdb_read(cdb_, reinterpret_cast<unsigned char*>(fields.data()), fields.size(), cdb_datapos(cdb_)) < 0) {
        error_ = log::with_errno("unable to read the users database", errno);
        return LookupResult::fault;
    }
    return LookupResult::found;
}

UserDb::~UserDb()
{
    if (cdb_) {
        cdb_free(cdb_);
        delete cdb_;
    }
}

} // namespace qs::auth
