#define _GNU_SOURCE
#include "CSocketShims.h"

#include <string.h>

#define EDGERAFT_MAX_BATCH 64

int edgeraft_receive_batch(int fd, unsigned char *buffers, size_t size, unsigned int count,
                           int *lengths, struct sockaddr_storage *addresses) {
#ifdef __linux__
    struct mmsghdr messages[EDGERAFT_MAX_BATCH];
    struct iovec vectors[EDGERAFT_MAX_BATCH];
    if (count > EDGERAFT_MAX_BATCH) count = EDGERAFT_MAX_BATCH;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = buffers + i * size;
        vectors[i].iov_len = size;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &addresses[i];
        messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    }
    int received = recvmmsg(fd, messages, count, MSG_DONTWAIT, NULL);
    for (int i = 0; i < received; i++) lengths[i] = (int)messages[i].msg_len;
    return received;
#else
    // One at a time where recvmmsg does not exist.
    socklen_t length = sizeof(struct sockaddr_storage);
    ssize_t n = recvfrom(fd, buffers, size, MSG_DONTWAIT, (struct sockaddr *)&addresses[0], &length);
    if (n < 0) return -1;
    lengths[0] = (int)n;
    return 1;
#endif
}
