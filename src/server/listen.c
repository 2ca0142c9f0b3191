/* server: listen socket creation (nonblocking, close-on-exec, SO_REUSEPORT, v6only, pktinfo). */
#include "server_int.h"

#include "gslb/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Receive buffer asked for on UDP sockets, so a burst of queries waits in the
 * kernel instead of being dropped; the kernel caps it at net.core.rmem_max. */
#define UDP_RCVBUF_BYTES (4 * 1024 * 1024)

const char *server_errstr(int err, char *buf, size_t cap)
{
    /* GNU strerror_r (we build with _GNU_SOURCE): returns the text, which may
     * or may not be in buf. */
    return strerror_r(err, buf, cap);
}

void server_addr_format(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
    } else {
        snprintf(buf, cap, "(address family %d)", (int)sa->sa_family);
    }
}

bool server_addr_is_any(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return in->sin_addr.s_addr == htonl(INADDR_ANY);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
    }
    return false;
}

static int set_int(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof(value));
}

int server_socket_open(int type, const struct sockaddr *sa, socklen_t sa_len, int *out_fd,
                       const char **what)
{
    int family = sa->sa_family;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *what = "create socket";
        return errno;
    }

    /* SO_REUSEPORT lets every worker bind its own socket to the same address
     * and the kernel spread queries and connections over them. SO_REUSEADDR
     * lets a restarted server bind while old connections sit in TIME_WAIT. */
    if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) != 0) {
        *what = "set SO_REUSEADDR";
        goto fail;
    }
    if (set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) != 0) {
        *what = "set SO_REUSEPORT";
        goto fail;
    }
    /* An IPv6 wildcard must not also take IPv4 traffic: IPv4 addresses are
     * listed and bound on their own, and v4-mapped peers would confuse
     * policy decisions keyed on the client family. */
    if (family == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) != 0) {
        *what = "set IPV6_V6ONLY";
        goto fail;
    }
    if (type == SOCK_DGRAM && server_addr_is_any(sa)) {
        /* On a wildcard bind, learn each query's destination address so that
         * the answer leaves from it (a host with several addresses would
         * otherwise answer from whichever the route picks, and resolvers
         * drop such answers). A socket bound to one address always sends
         * from it, so it goes without: the kernel then neither builds a
         * control message for every query nor parses one for every answer. */
        int rc = family == AF_INET6 ? set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
                                    : set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
        if (rc != 0) {
            *what = "enable packet info";
            goto fail;
        }
    }
    if (type == SOCK_DGRAM) {
        /* Best effort: a smaller buffer still works, only bursts drop earlier. */
        (void)set_int(fd, SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF_BYTES);
    }
    if (bind(fd, sa, sa_len) != 0) {
        *what = "bind";
        goto fail;
    }
    if (type == SOCK_STREAM && listen(fd, SERVER_TCP_BACKLOG) != 0) {
        *what = "listen";
        goto fail;
    }
    *out_fd = fd;
    return 0;

fail:;
    int err = errno;
    close(fd);
    return err;
}
