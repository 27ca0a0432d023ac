#include "proxy-remoteip/rules.h"

#include "lib/fd.h"
#include "lib/log.h"
#include "lib/owfat.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>

namespace qs::proxy {

std::vector<std::string> rule_keys(std::string_view ip)
{
    std::vector<std::string> keys{std::string(ip)};
    for (size_t len = ip.size() - (ip.empty() ? 0 : 1); len > 0; --len)
        if (ip[len - 1] == '.' || ip[len - 1] == ':') keys.emplace_back(ip.substr(0, len));
    keys.emplace_back();  // the default rule
    return keys;
}

RuleDecision decide(std::string_view data)
{
    RuleDecision d;
    // NUL-terminated pieces; a piece without its NUL is ignored (rules.c)
    for (size_t nul; (nul = data.find('\0')) != std::string_view::npos; data.remove_prefix(nul + 1)) {
        std::string_view piece = data.substr(0, nul);
        if (piece.starts_with("D")) {
            d.kind = RuleDecision::deny;
        } else if (piece.starts_with("+")) {
            size_t eq = piece.find('=');
            if (eq != std::string_view::npos)
                d.variables.emplace_back(std::string(piece.substr(1, eq - 1)), std::string(piece.substr(eq + 1)));
        }
    }
    if (d.kind == RuleDecision::deny) d.variables.clear();
    return d;
}

namespace {
RuleDecision fault(std::string error)
{
    RuleDecision d;
    d.kind = RuleDecision::fault;
    d.error = std::move(error);
    return d;
}

struct CdbReader {
    struct cdb c{};  // zeroed: cdb_init first calls cdb_free, which unmaps a non-null map
    explicit CdbReader(int fd) { cdb_init(&c, fd); }
    ~CdbReader() { cdb_free(&c); }
    CdbReader(const CdbReader&) = delete;
    CdbReader& operator=(const CdbReader&) = delete;
};
} // namespace

RuleDecision apply_rules(const std::string& path, std::string_view ip)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fault(log::with_errno("unable to open PROXY_RULES " + log::escape(path), errno));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return fault(log::with_errno("unable to stat PROXY_RULES", errno));
    CdbReader cdb(fd.get());
    for (const auto& key : rule_keys(ip)) {
        int r = cdb_find(&cdb.c, reinterpret_cast<const unsigned char*>(key.data()), key.size());
        if (r < 0) return fault(log::with_errno("unable to read PROXY_RULES " + log::escape(path), errno));
        if (r == 0) continue;
        const unsigned long len = cdb_datalen(&cdb.c);
        // bounded by the file and by what tcprules writes, before allocating
        if (len > max_rule_data || len > static_cast<unsigned long>(st.st_size))
            return fault("PROXY_RULES " + log::escape(path) + " holds an oversized record");
        std::string data(len, '\0');
        if (cdb_read(&cdb.c, reinterpret_cast<unsigned char*>(data.data()), len, cdb_datapos(&cdb.c)) < 0)
            return fault(log::with_errno("unable to read PROXY_RULES " + log::escape(path), errno));
        return decide(data);
    }
    return RuleDecision{};  // no rule at all: tcpserver allows, setting nothing
}

} // namespace qs::proxy
