// recvmmsg is a GNU extension that Swift's Glibc module does not export; this shim
// makes batched receive available to Transport's socket layer.
#ifndef EDGERAFT_CSOCKETSHIMS_H
#define EDGERAFT_CSOCKETSHIMS_H

#include <stddef.h>
#include <sys/socket.h>

/// Receives up to `count` datagrams without blocking into `buffers` (each `size` bytes,
/// laid out back to back). Writes each length to `lengths` and each sender to
/// `addresses`. Returns how many were received, or -1 with errno set (EAGAIN: none).
int edgeraft_receive_batch(int fd, unsigned char *buffers, size_t size, unsigned int count,
                           int *lengths, struct sockaddr_storage *addresses);

#endif
