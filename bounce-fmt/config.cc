// The environment of bounce-fmt and bounce-explain, read once, here only.
#include "bounce-fmt/bounce.h"
#include "bounce-fmt/explain.h"

#include "conf.h"
#include "lib/env.h"
#include "lib/log.h"

#include <ctime>

namespace qs::bounce {

namespace {
std::string setting(const char* name, std::string fallback)
{
    auto value = env::get(name);
    return value && !value->empty() ? std::string(*value) : fallback;
}
} // namespace

Result<Config> load_config()
{
    Config c;
    c.controldir = setting("CONTROLDIR", CONF_QMAIL "/control");
    c.qmailqueue = setting("QMAILQUEUE", CONF_QMAIL "/bin/qmail-queue");
    c.tmpdir = setting("TMPDIR", "/tmp");
    auto epoch = env::number("SOURCE_DATE_EPOCH", 0, 253402300799UL);
    if (!epoch)
        return temporary_fault("SOURCE_DATE_EPOCH is not a number of seconds value=" +
                               log::escape(*env::get("SOURCE_DATE_EPOCH")));
    auto fixed = env::get("SOURCE_DATE_EPOCH");
    c.fixed_time = fixed && !fixed->empty();
    c.now = c.fixed_time ? static_cast<std::int64_t>(*epoch) : static_cast<std::int64_t>(::time(nullptr));
    return c;
}

explain::ExplainConfig explain::load_explain_config()
{
    ExplainConfig c;
    c.controldir = setting("CONTROLDIR", CONF_QMAIL "/control");
    c.language = language_of(env::get("LC_ALL"), env::get("LC_MESSAGES"), env::get("LANG"));
    return c;
}

} // namespace qs::bounce
