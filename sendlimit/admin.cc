// The admin tools after their argv: sendlimit-list, sendlimit-release and
// sendlimit-override.
#include "sendlimit/sendlimit.h"

#include "lib/fd.h"
#include "lib/log.h"

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace qs::sendlimit {

namespace {
int fail(const Fault& fault)
{
    log::fatal(fault.text);
    return fault.exit_code;
}

// Every tool's start: the configuration, its warnings logged, and the store.
Result<std::unique_ptr<Store>> configured_store()
{
    const Config c = load_config();
    log_warnings(c);
    return open_account_store(c);
}
} // namespace

std::vector<std::string> operands(int argc, char** argv, int first)
{
    if (first < argc && std::string_view(argv[first]) == "--") ++first;
    return std::vector<std::string>(argv + std::min(first, argc), argv + argc);
}

int list_accounts()
{
    auto store = configured_store();
    if (!store) return fail(store.fault());
    const std::int64_t now = std::time(nullptr);
    std::vector<std::string> lines;
    StoreResult r = (*store)->scan([&](std::string_view key, std::string_view value) {
        auto record = decode_record(value);
        if (!record) {
            log::warning("junk record for account=" + log::escape(key) + " skipped");
            return;
        }
        lines.push_back(list_line(key, *record, now) + "\n");
    });
    if (r == StoreResult::fault) return fail(temporary_fault((*store)->error()));
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l;
    if (!write_all(1, out.data(), out.size()))
        return fail(temporary_fault(log::with_errno("unable to write output", errno)));
    return 0;
}

int release_accounts(const std::vector<std::string>& accounts)
{
    auto store = configured_store();
    if (!store) return fail(store.fault());
    for (const auto& a : accounts) {
        auto released = release_account(**store, a);
        if (!released) return fail(released.fault());
        log::line((*released ? "released account=" : "not suspended account=") + log::escape(a));
    }
    return 0;
}

int override_account(const OverrideOptions& options)
{
    auto store = configured_store();
    if (!store) return fail(store.fault());
    if (auto set = set_override(**store, options.account, options.clear, options.rates); !set)
        return fail(set.fault());
    log::line((options.clear ? "override cleared account=" : "override account=") + log::escape(options.account) +
              (options.clear ? "" : " rates=" + options.rates));
    return 0;
}

} // namespace qs::sendlimit
