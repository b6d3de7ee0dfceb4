// Thread affinity is a GNU extension that Swift's Glibc module does not export; the
// benchmarks pin their threads with it so that compared paths run with one placement.
#ifndef EDGERAFT_CTHREADSHIMS_H
#define EDGERAFT_CTHREADSHIMS_H

/// Writes the numbers of the cores this process may run on to `cores` (at most `max`);
/// returns how many, or -1 where affinity is unknown or unsupported.
int edgeraft_usable_cores(int *cores, int max);

/// Lets the calling thread (and threads it starts later) run only on `cores`. Returns 0,
/// or -1 with errno set.
int edgeraft_pin_calling_thread(const int *cores, int count);

#endif
