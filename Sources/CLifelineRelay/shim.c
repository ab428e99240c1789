#ifdef __linux__

#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <stddef.h>

#include "CLifelineRelay.h"

const uint32_t lifeline_relay_epollin = EPOLLIN;
const uint32_t lifeline_relay_epollout = EPOLLOUT;
const uint32_t lifeline_relay_epollrdhup = EPOLLRDHUP;
const uint32_t lifeline_relay_epollhup = EPOLLHUP;
const uint32_t lifeline_relay_epollerr = EPOLLERR;
const uint32_t lifeline_relay_epollet = EPOLLET;

int lifeline_relay_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int lifeline_relay_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int lifeline_relay_epoll_delete(int epfd, int fd) {
    struct epoll_event event = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

int lifeline_relay_epoll_wait(int epfd, lifeline_relay_event *out, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) {
        max = 256;
    }
    int count = epoll_wait(epfd, events, max, timeout_ms);
    for (int index = 0; index < count; index++) {
        out[index].events = events[index].events;
        out[index].token = events[index].data.u64;
    }
    return count;
}

int lifeline_relay_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int lifeline_relay_accept(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

#endif
