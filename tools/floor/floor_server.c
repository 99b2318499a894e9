/* The cost floor of one move on this machine: a single-threaded epoll server that answers
 * CS_LOGIN with SC_LOGIN_INFO and echoes CS_MOVE / CS_TELEPORT as SC_MOVE_OBJECT, in place, with
 * no game, no rings and no second thread. tools/bench --engines floor runs it under the same bots,
 * so its CPU per move is what the kernel's TCP path and the wake-ups alone cost here.
 * It trusts its client (the bots): it is a measuring stick, not a server.
 *
 *   cc -O2 -Wall -Wextra -Werror -o floor_server floor_server.c && ./floor_server PORT
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
#define BUF 4096

static unsigned char in_buf[MAX_FDS][64];
static int in_len[MAX_FDS];

static void put16(unsigned char *p, int v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { put16(p, (int)(v & 0xFFFF)); put16(p + 2, (int)(v >> 16)); }

static void handle(int fd, const unsigned char *pkt, unsigned char *out, int *out_len) {
    unsigned char *o = out + *out_len;
    if (pkt[2] == 0) { /* CS_LOGIN -> SC_LOGIN_INFO: visual, id, hp, max_hp, exp, level, x, y */
        memset(o, 0, 31);
        put16(o, 31); o[2] = 2; put32(o + 7, (uint32_t)fd); put32(o + 11, 100); put32(o + 15, 100); put32(o + 23, 1);
        *out_len += 31;
    } else if (pkt[2] == 1 || pkt[2] == 4) { /* CS_MOVE / CS_TELEPORT -> SC_MOVE_OBJECT about itself */
        memset(o, 0, 15);
        put16(o, 15); o[2] = 6; put32(o + 3, (uint32_t)fd);
        if (pkt[2] == 1) memcpy(o + 11, pkt + 4, 4);
        *out_len += 15;
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 4000;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024)) { perror("listen"); return 1; }
    socklen_t al = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("READY port=%d engine=floor\n", ntohs(a.sin_port));
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls}, evs[256];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    unsigned char buf[BUF], out[BUF * 4];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_FDS) { close(c); continue; }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    in_len[c] = 0;
                    struct epoll_event ce = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0) { close(fd); continue; }
            int out_len = 0;
            for (ssize_t p = 0; p < r; p++) { /* byte-wise reassembly: packets are tiny */
                in_buf[fd][in_len[fd]++] = buf[p];
                if (in_len[fd] >= 3 && in_len[fd] == (in_buf[fd][0] | in_buf[fd][1] << 8)) {
                    handle(fd, in_buf[fd], out, &out_len);
                    in_len[fd] = 0;
                } else if (in_len[fd] >= 63) {
                    in_len[fd] = 0;
                }
            }
            if (out_len > 0 && write(fd, out, (size_t)out_len) < 0 && errno != EAGAIN) close(fd);
        }
    }
}
