/* nullresp: the cheapest possible UDP "DNS server", the floor the benchmark compares against.
 *
 * Usage: nullresp ADDRESS PORT SECONDS
 *
 * Reads a batch of datagrams with recvmmsg, sets QR on each and sends them back with
 * sendmmsg, unchanged otherwise. It stops by itself after SECONDS (or on SIGTERM). No
 * parsing, no lookups: what it costs per query is the kernel's UDP path plus one loop. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define BUF 4096

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: nullresp ADDRESS PORT SECONDS\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
        fprintf(stderr, "nullresp: bad address '%s'\n", argv[1]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("nullresp: bind");
        return 1;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    time_t deadline = time(NULL) + atol(argv[3]);

    static unsigned char bufs[BATCH][BUF];
    static struct sockaddr_in peers[BATCH];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (!stop && time(NULL) < deadline) {
        if (poll(&pfd, 1, 200) <= 0) {
            continue;
        }
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = BUF;
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
        }
        int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_len >= 3) {
                bufs[i][2] |= 0x80; /* QR: this is a response */
            }
            iov[i].iov_len = msgs[i].msg_len;
        }
        int sent = 0;
        while (sent < n) {
            int r = sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
            if (r <= 0) {
                break; /* a full send buffer drops the rest, as a real server would */
            }
            sent += r;
        }
    }
    close(fd);
    return 0;
}
