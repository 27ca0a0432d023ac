// spawnbench N LABEL BASELINE... -- CANDIDATE...
// Runs the two commands alternately N times each (posix_spawn + waitpid,
// the way tcpserver starts a chain), and prints the median wall time of
// each and their ratio: "LABEL: candidate 612 us, baseline 811 us, ratio 0.75".
// Alternating keeps machine noise out of the ratio. SPAWNBENCH_STDIN=FILE
// gives every run FILE, from its start, on descriptor 0.
#include <algorithm>
#include <fcntl.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <time.h>
#include <vector>

extern char** environ;

// The programs' log lines go where multilog would take them: away.
static posix_spawn_file_actions_t quiet;

static double run_once(char** argv)
{
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &quiet, nullptr, argv, environ) != 0) {
        std::fprintf(stderr, "spawnbench: unable to run %s\n", argv[0]);
        std::exit(111);
    }
    int status;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "spawnbench: %s failed\n", argv[0]);
        std::exit(111);
    }
    return (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
}

static double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int main(int argc, char** argv)
{
    if (argc < 6) {
        std::fprintf(stderr, "usage: spawnbench N LABEL BASELINE... -- CANDIDATE...\n");
        return 100;
    }
    int n = std::atoi(argv[1]);
    const char* label = argv[2];
    char** baseline = argv + 3;
    char** candidate = nullptr;
    for (int i = 3; i < argc; ++i)
        if (std::strcmp(argv[i], "--") == 0) {
            argv[i] = nullptr;
            candidate = argv + i + 1;
        }
    if (!candidate || !*candidate || n < 1) return 100;
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    // SPAWNBENCH_STDIN=FILE: each run reads FILE from its start on descriptor 0
    // (what a client sends first, such as a PROXY header)
    if (const char* input = std::getenv("SPAWNBENCH_STDIN"))
        posix_spawn_file_actions_addopen(&quiet, 0, input, O_RDONLY, 0);
    for (int i = 0; i < 20; ++i) run_once(baseline), run_once(candidate);  // warm the caches
    std::vector<double> tb, tc;
    for (int i = 0; i < n; ++i) {
        tb.push_back(run_once(baseline));
        tc.push_back(run_once(candidate));
    }
    double mb = median(tb), mc = median(tc);
    std::printf("%s: candidate %.0f us, baseline %.0f us, ratio %.2f\n", label, mc, mb, mc / mb);
    return 0;
}
