// libowfat's cdb_make_finish frees none of what cdb_make allocated (the
// record lists and the hash table): the unit tests that use it as their
// reference free it here, so LeakSanitizer (make check-asan) sees no leak.
#ifndef QSEND_TESTS_CDB_MAKE_FREE_H
#define QSEND_TESTS_CDB_MAKE_FREE_H

#include "lib/owfat.h"

#include <cstdlib>

inline void free_cdb_make(struct cdb_make& maker)
{
    std::free(maker.split);
    maker.split = nullptr;
    while (struct cdb_hplist* list = maker.head) {
        maker.head = list->next;
        std::free(list);
    }
}

#endif
