#define _GNU_SOURCE
#include "CThreadShims.h"

#include <errno.h>
#ifdef __linux__
#include <sched.h>
#endif

int edgeraft_usable_cores(int *cores, int max) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    int found = 0;
    for (int core = 0; core < CPU_SETSIZE && found < max; core++) {
        if (CPU_ISSET(core, &set)) cores[found++] = core;
    }
    return found;
#else
    (void)cores;
    (void)max;
    return -1;
#endif
}

int edgeraft_pin_calling_thread(const int *cores, int count) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cores[i] >= 0 && cores[i] < CPU_SETSIZE) CPU_SET(cores[i], &set);
    }
    return sched_setaffinity(0, sizeof(set), &set);
#else
    (void)cores;
    (void)count;
    errno = ENOSYS;
    return -1;
#endif
}
