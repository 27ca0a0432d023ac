#include "smtp-auth-checkpassword/mkdb.h"

#include "lib/ascii.h"
#include "lib/digest.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/result.h"
#include "smtp-auth-checkpassword/scheme.h"
#include "smtp-auth-checkpassword/userdb.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <functional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
Status from_vpasswd(std::string_view line, const MkdbOptions& o, std::string& name, std::string& fields)
{
    auto f = split_colons(line);
    if (f.size() < 6 || f.size() > 8) return permanent_fault("not a vpasswd line (6 to 8 fields)");
    unsigned long a = 0, b = 0;
    if (!flag_word(f[2], a) || !flag_word(f[3], b)) return permanent_fault("vpasswd flag words are not numbers");
    name.assign(f[0]);
    if (o.vpasswd_clear && f.size() == 8 && !f[7].empty()) {
        digest::HmacMd5Context ctx = digest::hmac_md5_context(f[7]);
        fields = "{CRAM-MD5}" + hex::encode(ctx.data(), ctx.size());
        digest::wipe(ctx.data(), ctx.size());
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
    return {};
}
// normalise_user would return name unchanged (the common case: no copy)
bool already_normal(std::string_view name, std::string_view domain)
{
    size_t at = name.rfind('@');
    if (at == std::string_view::npos) return domain.empty();
    for (char c : name.substr(at + 1))
        if (ascii::lower(c) != c) return false;
    return true;
}
} // namespace

namespace {
// One users-file line as a record, or why not ("" when it is one).
// Rewritten names and fields go to storage; legacy, when given, says
// whether the secret is a legacy hash.
std::string compile_line(std::string_view line, const MkdbOptions& options, std::deque<std::string>& storage,
                         CdbRecord& record, bool* legacy)
{
    if (line.find('\0') != std::string_view::npos || line.back() == '\r') return "NUL or carriage return in the line";
    std::string_view name, fields;
    if (options.vpasswd) {
        std::string converted_name, converted;
        if (Status s = from_vpasswd(line, options, converted_name, converted); !s) return s.fault().text;
        name = storage.emplace_back(std::move(converted_name));
        fields = storage.emplace_back(std::move(converted));
    } else {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return "no secret field";
        name = line.substr(0, colon);
        fields = line.substr(colon + 1);
    }
    if (!valid_user_name(name)) return "bad user name";
    if (fields.size() > max_record_size)
        return "record of " + std::to_string(fields.size()) + " bytes after the user name (at most " +
               std::to_string(max_record_size) + ")";
    auto parsed = parse_record(fields);
    if (!parsed) return parsed.fault().text;
    if (legacy) *legacy = is_legacy_hash(parsed->secret);
    std::string_view key = name;
    if (!already_normal(name, options.domain)) key = storage.emplace_back(normalise_user(name, options.domain));
    record = {key, fields};
    return {};
}

// "line N: duplicate user (also on line M)" for each later duplicate, in
// order: records partitioned by the top bits of their key's hash
// (sequential passes), then each small partition checked with a table
// that stays in cache.
std::vector<std::string> duplicate_users(const std::vector<CdbRecord>& records, const std::vector<uint32_t>& line_of)
{
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
    return duplicates;
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
        CdbRecord record;
        bool legacy = false;
        if (std::string why = compile_line(line, options, storage, record, warnings ? &legacy : nullptr); !why.empty()) {
            errors.push_back("line " + std::to_string(number) + ": " + why);
            continue;
        }
        if (warnings && legacy)
            warnings->push_back("line " + std::to_string(number) +
                                ": a legacy hash ($1$, $5$, DES, MD5-CRYPT, SHA256-CRYPT): logins refuse it "
                                "(legacy_scheme) unless CHKPW_LEGACY=1");
        records.push_back(record);
        line_of.push_back(static_cast<uint32_t>(number));
    }
    std::vector<std::string> duplicates = duplicate_users(records, line_of);
    errors.insert(errors.end(), duplicates.begin(), duplicates.end());
}

namespace {
// The users file on descriptor 0: a regular file is mapped (and stays
// mapped until the process exits), anything else read whole into copy.
Result<std::string_view> read_users_file(std::string& copy)
{
    struct stat st;
    if (::fstat(0, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, 0, 0);
        if (map != MAP_FAILED) return std::string_view(static_cast<const char*>(map), static_cast<size_t>(st.st_size));
    }
    for (;;) {
        size_t have = copy.size();
        copy.resize(have + (1 << 20));
        ssize_t r = ::read(0, copy.data() + have, 1 << 20);
        if (r < 0) {
            copy.resize(have);
            if (errno == EINTR) continue;
            return temporary_fault(log::with_errno("unable to read the users file", errno));
        }
        copy.resize(have + static_cast<size_t>(r));
        if (r == 0) return std::string_view(copy);
    }
}

int fatal(const Fault& fault)
{
    log::fatal(fault.text);
    return fault.exit_code;
}
} // namespace

namespace {
uint64_t refusal_micros(std::string_view secret)
{
    uint64_t t[3];
    for (auto& each : t) {
        struct timespec a, b;
        ::clock_gettime(CLOCK_MONOTONIC, &a);
        if (secret.empty()) dummy_password_work("not the password");
        else (void)verify_password(secret, "not the password", true);
        ::clock_gettime(CLOCK_MONOTONIC, &b);
        each = static_cast<uint64_t>((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
    }
    std::sort(t, t + 3);
    return t[1];
}
} // namespace

RefusalFloor measure_refusal_floor(const std::vector<CdbRecord>& records)
{
    std::vector<std::pair<std::string, std::string_view>> settings;  // cost setting, a secret with it
    const std::string dummy = dummy_cost_setting();
    for (const auto& r : records) {
        std::string_view secret = r.value.substr(0, r.value.find(':'));
        std::string setting = cost_setting(secret);
        // {PLAIN}, {CRAM-MD5}: cheaper than the dummy; the dummy's own setting: timed as the dummy
        if (setting.empty() || setting == dummy) continue;
        if (std::none_of(settings.begin(), settings.end(), [&](const auto& s) { return s.first == setting; }))
            settings.emplace_back(std::move(setting), secret);
    }
    RefusalFloor floor;
    floor.micros = refusal_micros({});  // the dummy: what unknown users cost without a floor
    std::string_view costliest;
    for (const auto& [setting, secret] : settings)
        if (uint64_t us = refusal_micros(secret); us > floor.micros) {
            floor.micros = us;
            costliest = secret;
        }
    floor.hash = unknowable_hash(costliest);
    if (floor.hash.empty()) floor.hash = unknowable_hash({});
    return floor;
}

int make_users_db(const MkdbRun& run)
{
    std::string copy;
    auto text = read_users_file(copy);
    if (!text) return fatal(text.fault());
    std::vector<CdbRecord> records;
    std::deque<std::string> storage;
    std::vector<std::string> errors, warnings;
    compile_users(*text, run.options, records, storage, errors, &warnings);
    for (const auto& w : warnings) log::warning(w);
    if (!errors.empty()) {
        for (const auto& e : errors) log::fatal(e);
        return fatal(permanent_fault(std::to_string(errors.size()) + " bad line(s): " + run.cdb + " left as it was"));
    }
    if (records.empty() && !run.empty_ok) {
        // an empty database refuses every login: only on request
        return fatal(permanent_fault("no users on input: " + run.cdb + " left as it was (-e installs an empty one)"));
    }
    // the refusal floor (smtp-auth-checkpassword.8): under a key no user can have
    std::string floor_value = encode_refusal_floor(measure_refusal_floor(records));
    records.push_back({refusal_floor_key, floor_value});
    std::string error;
    if (!write_cdb_atomically(run.cdb, run.tmp, records, error, 0600)) return fatal(temporary_fault(error));
    return 0;
}

} // namespace qs::auth
