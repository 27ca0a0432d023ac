// A scratch directory for the AUTH unit tests, removed afterwards.
#ifndef QSEND_TESTS_UNIT_AUTH_SCRATCH_H
#define QSEND_TESTS_UNIT_AUTH_SCRATCH_H

#include <cstdlib>
#include <filesystem>

struct AuthScratch {
    std::filesystem::path path;
    AuthScratch()
    {
        char tmpl[] = "/tmp/qsend-unit-auth.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~AuthScratch() { std::filesystem::remove_all(path); }
};

#endif
