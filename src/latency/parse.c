/* latency: a table from text or from a file: the format chosen, the rows read, the table compiled. */
#include "latency_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int latency_table_parse(latency_table_t **out, const char *name, const char *text, size_t len,
                        const char *format, const char *const *names, size_t name_count,
                        int64_t default_measured_s, int64_t max_age_s, gslb_diag_t *diag)
{
    *out = NULL;
    lat_build_t b;
    lat_build_init(&b, name, diag, names, name_count, default_measured_s, max_age_s);
    if (format != NULL && strcmp(format, "csv") == 0) {
        lat_csv_read(&b, text, len);
    } else if (format != NULL && strcmp(format, "json") == 0) {
        lat_json_read(&b, text, len);
    } else {
        char q[LAT_QUOTE_MAX];
        lat_error(&b, 0, 0, "unknown table format '%s' (expected csv or json)",
                  format != NULL ? lat_quote(format, strlen(format), q) : "");
    }
    int rc = b.errors > 0 ? -GSLB_ECONF : lat_compile(out, &b);
    lat_build_fini(&b);
    return rc;
}

/* The whole of an open file into a new buffer (NUL-terminated, for
 * nothing but safety). Returns 0, or -1 with errno set. */
static int read_all(int fd, char **text, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return -1;
        }
        if (got == 0) {
            break;
        }
        n += (size_t)got;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static bool ends_with_json(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcasecmp(path + n - 5, ".json") == 0;
}

int latency_table_load(latency_table_t **out, const char *path, const char *const *names,
                       size_t name_count, int64_t max_age_s, gslb_diag_t *diag)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    if (fd < 0 || fstat(fd, &st) != 0 || read_all(fd, &text, &len) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        if (diag != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "cannot read (%s)", strerror(e));
        }
        errno = e;
        return -GSLB_EIO;
    }
    close(fd);
    int rc = latency_table_parse(out, path, text, len, ends_with_json(path) ? "json" : "csv",
                                 names, name_count, (int64_t)st.st_mtime, max_age_s, diag);
    free(text);
    return rc;
}
