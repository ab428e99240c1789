#ifndef C_LIFELINE_RELAY_H
#define C_LIFELINE_RELAY_H

// epoll, eventfd and accept4 as plain functions and constants: Swift's Glibc module exports none of them, and the
// kernel's `struct epoll_event` is packed on x86_64, which Swift cannot lay out. Only the relay's system-call file
// uses this module.

#include <stdint.h>

#ifdef __linux__

/// One readiness event, unpacked.
typedef struct {
    uint32_t events;
    uint64_t token;
} lifeline_relay_event;

extern const uint32_t lifeline_relay_epollin;
extern const uint32_t lifeline_relay_epollout;
extern const uint32_t lifeline_relay_epollrdhup;
extern const uint32_t lifeline_relay_epollhup;
extern const uint32_t lifeline_relay_epollerr;
extern const uint32_t lifeline_relay_epollet;

/// `epoll_create1(EPOLL_CLOEXEC)`.
int lifeline_relay_epoll_create(void);
/// `epoll_ctl(EPOLL_CTL_ADD)` with `token` as the event's data.
int lifeline_relay_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
/// `epoll_ctl(EPOLL_CTL_DEL)`.
int lifeline_relay_epoll_delete(int epfd, int fd);
/// `epoll_wait`, copying at most `max` events into `out`.
int lifeline_relay_epoll_wait(int epfd, lifeline_relay_event *out, int max, int timeout_ms);
/// `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`.
int lifeline_relay_eventfd(void);
/// `accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)`.
int lifeline_relay_accept(int fd);

#endif

#endif
