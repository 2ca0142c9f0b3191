/* ctl: the dashboard's static files — GET /, /ui/ and /ui/FILE from the dashboard directory. */
#include "config.h"

#include "ctl_int.h"

#include <event2/buffer.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <urcu.h>

/* Larger files are not ours: the biggest shipped one (the world's outlines) is ~110 KB. */
#define DASHBOARD_FILE_MAX (8u << 20)

/* The types served; a file with any other extension is not. */
static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* A name every shipped file has: letters, digits, '.', '_', '-', not starting with '.'
 * (so neither "." nor ".." nor hidden files), and no '/' (segments are decoded first). */
static bool segment_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > CTL_DASHBOARD_SEGMENT_MAX || s[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

int ctl_dashboard_file(char *const *seg, size_t n, char *rel, size_t rel_len,
                       const char **content_type)
{
    if (n == 0) {
        snprintf(rel, rel_len, "%s", CTL_DASHBOARD_INDEX);
        *content_type = types[0].type;
        return 0;
    }
    size_t used = 0;
    rel[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!segment_ok(seg[i])) {
            return -GSLB_EINVAL;
        }
        int w = snprintf(rel + used, rel_len - used, "%s%s", i > 0 ? "/" : "", seg[i]);
        if (w < 0 || (size_t)w >= rel_len - used) {
            return -GSLB_EINVAL;
        }
        used += (size_t)w;
    }
    const char *dot = strrchr(seg[n - 1], '.');
    for (size_t i = 0; dot != NULL && i < GSLB_ARRAY_LEN(types); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            *content_type = types[i].type;
            return 0;
        }
    }
    return -GSLB_EINVAL;
}

/* The directory of the serving configuration (or the installed one), owned by the caller. */
static char *dashboard_dir(ctl_t *c)
{
    rcu_read_lock();
    const char *d = snapshot_current(c->pub)->conf->control.dashboard;
    char *dir = xstrdup(d != NULL ? d : CTL_DASHBOARD_DIR);
    rcu_read_unlock();
    return dir;
}

static void redirect(struct evhttp_request *req, const char *to)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Location", to);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_printf(buf, "the dashboard is at %s\n", to);
    evhttp_send_reply(req, 302, "Found", buf);
    evbuffer_free(buf);
}

void ctl_dashboard_get(ctl_t *c, struct evhttp_request *req, const char *path, char *const *seg,
                       size_t n)
{
    /* "/" and "/ui" go to "/ui/", so that the page's relative links resolve under it. */
    if (n == 0 || (n == 1 && path[strlen(path) - 1] != '/')) {
        redirect(req, CTL_API_PATH_DASHBOARD "/");
        return;
    }
    char rel[256];
    const char *type = NULL;
    if (ctl_dashboard_file(seg + 1, n - 1, rel, sizeof(rel), &type) != 0) {
        ctl_http_reply_error(req, 404, "Not Found", "no such dashboard file");
        return;
    }
    char *dir = dashboard_dir(c);
    char *full = xasprintf("%s/%s", dir, rel);
    /* Reading a small file blocks this thread for microseconds; the query
     * workers never wait on it. */
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > DASHBOARD_FILE_MAX) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
        }
        if (n - 1 == 0 && fd < 0 && err == ENOENT) {
            char text[PATH_MAX + 128];
            snprintf(text, sizeof(text),
                     "the dashboard is not installed in '%s' (control: dashboard)", dir);
            ctl_http_reply_error(req, 404, "Not Found", text);
        } else {
            ctl_http_reply_error(req, 404, "Not Found", "no such dashboard file");
        }
        goto out;
    }
    /* The validator changes with every new copy of the file; "no-cache" makes
     * the browser ask each time, so an upgrade shows at the next load, while an
     * unchanged file costs a 304 on loopback. */
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "\"",
             (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec,
             (uint64_t)st.st_size);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "ETag", etag);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    if (inm != NULL && strcmp(inm, etag) == 0) {
        close(fd);
        evhttp_send_reply(req, 304, "Not Modified", NULL);
        goto out;
    }
    evhttp_add_header(h, "Content-Type", type);
    if (strcmp(type, types[0].type) == 0) {
        /* Everything the page needs comes from here; nothing else may frame it. */
        evhttp_add_header(h, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    }
    struct evbuffer *buf = evbuffer_new();
    if (evbuffer_add_file(buf, fd, 0, st.st_size) != 0) { /* takes fd */
        evbuffer_free(buf);
        ctl_http_reply_error(req, 500, "Internal Server Error", "cannot read the file");
        goto out;
    }
    evhttp_send_reply(req, 200, "OK", buf);
    evbuffer_free(buf);
out:
    free(full);
    free(dir);
}
