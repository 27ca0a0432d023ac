#include "lib/tcprules.h"

#include "lib/log.h"
#include "lib/owfat.h"

#include <cerrno>

namespace qs::tcprules {

namespace {

bool ends_a_prefix(char c) { return c == '.' || c == ':'; }

// libowfat's reader, freed on every path out.
class CdbReader {
public:
    explicit CdbReader(int fd) { cdb_init(&cdb_, fd); }
    ~CdbReader() { cdb_free(&cdb_); }
    CdbReader(const CdbReader&) = delete;
    CdbReader& operator=(const CdbReader&) = delete;
    struct cdb* get() { return &cdb_; }

private:
    struct cdb cdb_{};  // zeroed: cdb_init first calls cdb_free, which unmaps a non-null map
};

Fault unreadable(std::string_view cdb_name)
{
    return temporary_fault(log::with_errno("unable to read " + std::string(cdb_name), errno));
}

// The data of the record cdb_find found, bounded before allocating: the
// record may claim any length.
Result<std::string> found_record(struct cdb* cdb, std::size_t max_data, std::string_view cdb_name)
{
    const unsigned long len = cdb_datalen(cdb);
    if (len > max_data) return temporary_fault(std::string(cdb_name) + " holds an oversized record");
    std::string data(len, '\0');
    if (cdb_read(cdb, reinterpret_cast<unsigned char*>(data.data()), len, cdb_datapos(cdb)) < 0)
        return unreadable(cdb_name);
    return data;
}

} // namespace

bool try_keys(std::string_view ip, const std::function<bool(std::string_view key)>& try_key)
{
    if (try_key(ip)) return true;
    if (ip.empty()) return false;  // the exact key was the default rule already
    for (size_t len = ip.size() - 1; len > 0; --len)
        if (ends_a_prefix(ip[len - 1]) && try_key(ip.substr(0, len))) return true;
    return try_key(std::string_view());
}

std::vector<std::string> rule_keys(std::string_view ip)
{
    std::vector<std::string> keys;
    try_keys(ip, [&](std::string_view key) {
        keys.emplace_back(key);
        return false;
    });
    return keys;
}

Result<std::optional<std::string>> find_rule(int fd, std::string_view ip, std::size_t max_data,
                                             std::string_view cdb_name)
{
    CdbReader reader(fd);
    std::optional<std::string> data;
    std::optional<Fault> fault;
    try_keys(ip, [&](std::string_view key) {
        int found = cdb_find(reader.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
        if (found == 0) return false;
        if (found < 0) fault = unreadable(cdb_name);
        else if (auto record = found_record(reader.get(), max_data, cdb_name)) data = std::move(*record);
        else fault = record.fault();
        return true;
    });
    if (fault) return *fault;
    return data;
}

} // namespace qs::tcprules
