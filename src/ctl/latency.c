/* ctl: PUT /latency/NAME: a new latency table, checked, written over the table's file, and
 * put in service by a reload (answered when the reload is done). */
#include "ctl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <urcu.h>

#define LATENCY_BODY_MAX (64u * 1024 * 1024)

/* Write len bytes of text to path through a temporary file in the same
 * directory and rename(2), so that readers see the old file or the new one. */
static int write_replace(const char *path, const char *text, size_t len, char *err, size_t n)
{
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, n, "cannot write %s (%s)", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    bool ok = off == len && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, n, "cannot write %s (%s)", path, strerror(ok ? errno : saved));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

void ctl_latency_put(ctl_t *c, struct evhttp_request *req, const char *name)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len > LATENCY_BODY_MAX) {
        ctl_http_reply_error(req, 413, "Payload Too Large", "a latency table is at most 64 MiB");
        return;
    }
    char *text = xmalloc(len + 1);
    evbuffer_copyout(in, text, len);
    text[len] = '\0';

    /* Checked against the serving configuration before anything is written. */
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(c->pub);
    const conf_t *conf = s->conf;
    int t = conf_latency_table_index(conf, name);
    char *path = t >= 0 ? xstrdup(conf->latency_tables[t].file) : NULL;
    int64_t max_age = t >= 0 ? (int64_t)conf->latency_tables[t].max_age_s : 0;
    size_t n = conf->datacenter_count;
    const char **names = xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[i] = xstrdup(conf->datacenters[i].name);
    }
    rcu_read_unlock();

    int rc = 0;
    json_t *j = NULL;
    if (path == NULL) {
        ctl_http_reply_error(req, 404, "Not Found", "no such latency table");
        rc = -1;
    } else {
        size_t plen = strlen(path);
        const char *format = plen > 5 && strcmp(path + plen - 5, ".json") == 0 ? "json" : "csv";
        gslb_diag_t *diag = gslb_diag_new(false);
        latency_table_t *table = NULL;
        if (latency_table_parse(&table, path, text, len, format, names, n, (int64_t)time(NULL),
                                max_age, diag) != 0) {
            json_t *msgs = json_array();
            for (size_t i = 0; i < gslb_diag_count(diag); i++) {
                json_array_append_new(msgs, json_string(gslb_diag_message(diag, i)));
            }
            j = json_pack("{s:s, s:o}", CTL_API_KEY_ERROR, "the table has errors; nothing changed",
                          CTL_API_KEY_MESSAGES, msgs);
            ctl_http_reply_json(req, 422, "Unprocessable Entity", j);
            json_decref(j);
            rc = -1;
        }
        latency_table_free(table);
        gslb_diag_free(diag);
    }
    char err[256];
    if (rc == 0 && write_replace(path, text, len, err, sizeof(err)) != 0) {
        log_err("ctl: latency table '%s': %s", name, err);
        ctl_http_reply_error(req, 500, "Internal Server Error", err);
        rc = -1;
    }
    if (rc == 0) {
        log_info("ctl: latency table '%s': %zu bytes written to %s: reloading", name, len, path);
        ctl_waiter_t *w = xcalloc(1, sizeof(*w));
        w->req = req;
        w->c = c;
        ctl_reload_enqueue(c, w); /* answered when the reload is done */
    }
    for (size_t i = 0; i < n; i++) {
        free((char *)names[i]);
    }
    free(names);
    free(path);
    free(text);
}
