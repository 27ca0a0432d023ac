// tests/exec-probe NAME...: the end of a chain under test. Prints
// "NAME=VALUE" (or "NAME unset") per argument and exits 0. Static like our
// programs, and retrying EINTR, so that tests/e2e-faults.sh can inject
// faults into every process of a chain without breaking a dynamic loader
// that never expects EINTR from a file.
#include <cerrno>
#include <cstdlib>
#include <string>
#include <unistd.h>

int main(int argc, char** argv)
{
    std::string out;
    for (int i = 1; i < argc; ++i) {
        const char* value = std::getenv(argv[i]);
        out += std::string(argv[i]) + (value ? "=" + std::string(value) : std::string(" unset")) + "\n";
    }
    for (size_t done = 0; done < out.size();) {
        ssize_t n = ::write(1, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 111;
        done += static_cast<size_t>(n);
    }
    return 0;
}
