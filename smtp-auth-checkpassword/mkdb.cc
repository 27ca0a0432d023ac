#include "smtp-auth-checkpassword/mkdb.h"
#include "smtp-auth-checkpassword/scheme.h"

#include "smtp-auth-checkpassword/crammd5.h"
#include "smtp-auth-checkpassword/secret.h"
#include "smtp-auth-checkpassword/userdb.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>

namespace qs::auth {

namespace {
std::vector<std::string_view> split_colons(std::string_view line)
{
    std::vector<std::string_view> out;
    for (;;) {
        size_t colon = line.find(':');
        out.push_back(line.substr(0, colon));
        if (colon == std::string_view::npos) return out;
        line.remove_prefix(colon + 1);
    }
}

bool flag_word(std::string_view text, unsigned long& out)
{
    out = 0;
    if (text.empty()) return true;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// vpasswd: name:crypt:flags:flags:gecos:dir:quota:cleartext
bool from_vpasswd(std::string_view line, const MkdbOptions& o, std::string& name, std::string& fields,
                  std::string& reason)
{
    auto f = split_colons(line);
    if (f.size() < 6 || f.size() > 8) {
        reason = "not a vpasswd line (6 to 8 fields)";
        return false;
    }
    unsigned long a = 0, b = 0;
    if (!flag_word(f[2], a) || !flag_word(f[3], b)) {
        reason = "vpasswd flag words are not numbers";
        return false;
    }
    name.assign(f[0]);
    if (o.vpasswd_clear && f.size() == 8 && !f[7].empty()) {
        CramContext ctx = cram_context(f[7]);
        fields = "{CRAM-MD5}" + to_hex(ctx.data(), ctx.size());
        OPENSSL_cleanse(ctx.data(), ctx.size());
    } else {
        fields.assign(f[1]);
    }
    fields += ':';
    fields += o.ids;  // "uid:gid" or ":"
    if (o.ids.empty()) fields += ':';
    fields += ':';
    fields += f[4];
    fields += ':';
    fields += f[5];
    fields += "::";
    if ((a | b) & vpopmail_no_smtp) fields += "nologin";
    return true;
}
// normalise_user would return name unchanged (the common case: no copy)
bool already_normal(std::string_view name, std::string_view domain)
{
    size_t at = name.rfind('@');
    if (at == std::string_view::npos) return domain.empty();
    for (char c : name.substr(at + 1))
        if (c >= 'A' && c <= 'Z') return false;
    return true;
}
} // namespace

void compile_users(std::string_view text, const MkdbOptions& options, std::vector<CdbRecord>& records,
                   std::deque<std::string>& storage, std::vector<std::string>& errors,
                   std::vector<std::string>* warnings)
{
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    records.reserve(records.size() + lines);
    std::vector<uint32_t> line_of;  // parallel to records
    line_of.reserve(lines);
    size_t number = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++number;
        if (line.empty() || line[0] == '#') continue;
        auto complain = [&](std::string_view why) {
            errors.push_back("line " + std::to_string(number) + ": " + std::string(why));
        };
        if (line.find('\0') != std::string_view::npos || line.back() == '\r') {
            complain("NUL or carriage return in the line");
            continue;
        }
        std::string reason;
        std::string_view name, fields;
        if (options.vpasswd) {
            std::string converted_name, converted;
            if (!from_vpasswd(line, options, converted_name, converted, reason)) {
                complain(reason);
                continue;
            }
            name = storage.emplace_back(std::move(converted_name));
            fields = storage.emplace_back(std::move(converted));
        } else {
            size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                complain("no secret field");
                continue;
            }
            name = line.substr(0, colon);
            fields = line.substr(colon + 1);
        }
        if (!valid_user_name(name)) {
            complain("bad user name");
            continue;
        }
        if (fields.size() > max_record_size) {
            complain("record of " + std::to_string(fields.size()) + " bytes after the user name (at most " +
                     std::to_string(max_record_size) + ")");
            continue;
        }
        auto parsed = parse_record(fields, reason);
        if (!parsed) {
            complain(reason);
            continue;
        }
        if (warnings && is_legacy_hash(parsed->secret))
            warnings->push_back("line " + std::to_string(number) +
                                ": a legacy hash ($1$, $5$, DES, MD5-CRYPT, SHA256-CRYPT): logins refuse it "
                                "(legacy_scheme) unless CHKPW_LEGACY=1");
        std::string_view key = name;
        if (!already_normal(name, options.domain)) key = storage.emplace_back(normalise_user(name, options.domain));
        records.push_back({key, fields});
        line_of.push_back(static_cast<uint32_t>(number));
    }
    // duplicates: records partitioned by the top bits of their key's hash
    // (sequential passes), then each small partition checked with a table
    // that stays in cache
    std::hash<std::string_view> hash;
    constexpr unsigned parts = 1024;
    std::vector<uint64_t> hashes(records.size());
    std::vector<uint32_t> start(parts + 1, 0);
    for (size_t i = 0; i < records.size(); ++i) {
        hashes[i] = hash(records[i].key);
        ++start[(hashes[i] >> 54) + 1];
    }
    for (unsigned p = 0; p < parts; ++p) start[p + 1] += start[p];
    std::vector<uint32_t> order(records.size());
    {
        std::vector<uint32_t> next(start.begin(), start.end() - 1);
        for (size_t i = 0; i < records.size(); ++i) order[next[hashes[i] >> 54]++] = static_cast<uint32_t>(i);
    }
    std::vector<std::string> duplicates;
    std::vector<uint32_t> table;
    constexpr uint32_t empty = ~uint32_t(0);
    for (unsigned p = 0; p < parts; ++p) {
        const uint32_t n = start[p + 1] - start[p];
        size_t size = 16;
        while (size < 2 * size_t(n)) size *= 2;
        table.assign(size, empty);
        for (uint32_t k = start[p]; k < start[p + 1]; ++k) {
            const uint32_t i = order[k];
            for (size_t slot = hashes[i] & (size - 1);; slot = (slot + 1) & (size - 1)) {
                const uint32_t j = table[slot];
                if (j == empty) {
                    table[slot] = i;
                    break;
                }
                if (hashes[j] == hashes[i] && records[j].key == records[i].key) {
                    const uint32_t first = std::min(i, j), later = std::max(i, j);
                    duplicates.push_back("line " + std::to_string(line_of[later]) + ": duplicate user (also on line " +
                                         std::to_string(line_of[first]) + ")");
                    break;
                }
            }
        }
    }
    std::sort(duplicates.begin(), duplicates.end());
    duplicates.erase(std::unique(duplicates.begin(), duplicates.end()), duplicates.end());
    errors.insert(errors.end(), duplicates.begin(), duplicates.end());
}

} // namespace qs::auth
