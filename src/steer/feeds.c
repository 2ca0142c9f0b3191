/* steer: reading the figures of the file, probe and Prometheus feeds (health thread, mu held). */
#include "steer_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prom.h"

#define FILE_MAX_BYTES (1024 * 1024)

/* Find "KEY VALUE" for key in text: lines of a key, white space and a
 * number; '#' starts a comment. Returns 0 and *out, or -1 with err. */
static int file_parse(const char *text, const char *key, double *out, char *err, size_t errlen)
{
    size_t klen = strlen(key);
    unsigned line = 0;
    for (const char *p = text; *p != '\0';) {
        line++;
        const char *end = strchr(p, '\n');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *q = p;
        while (q < p + len && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q + klen < p + len && memcmp(q, key, klen) == 0 &&
            (q[klen] == ' ' || q[klen] == '\t')) {
            char buf[64];
            const char *v = q + klen;
            while (v < p + len && (*v == ' ' || *v == '\t')) {
                v++;
            }
            size_t vlen = (size_t)(p + len - v);
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' || v[vlen - 1] == '\r')) {
                vlen--;
            }
            if (vlen == 0 || vlen >= sizeof(buf)) {
                snprintf(err, errlen, "line %u: no number after '%s'", line, key);
                return -1;
            }
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            char *stop;
            errno = 0;
            double d = strtod(buf, &stop);
            if (*stop != '\0' || errno != 0 || !isfinite(d) || d < 0) {
                snprintf(err, errlen, "line %u: '%s' is not a number >= 0", line, buf);
                return -1;
            }
            *out = d;
            return 0;
        }
        p = end != NULL ? end + 1 : p + len;
    }
    snprintf(err, errlen, "no line for key '%s'", key);
    return -1;
}

static char *file_slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read %s (%s)", path, strerror(errno));
        return NULL;
    }
    char *buf = xmalloc(FILE_MAX_BYTES + 1);
    size_t n = fread(buf, 1, FILE_MAX_BYTES + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || n > FILE_MAX_BYTES) {
        snprintf(err, errlen, "cannot read %s (%s)", path,
                 bad ? "read error" : "larger than 1 MiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

void steer_file_read(steer_slot_t *s, double now_ms, double now_real_s)
{
    struct stat sb;
    if (stat(s->def.file_path, &sb) != 0) {
        snprintf(s->error, sizeof(s->error), "cannot read %s (%s)", s->def.file_path,
                 strerror(errno));
        s->has_file_stat = false;
        return;
    }
    if (s->has_file_stat && sb.st_mtim.tv_sec == s->file_mtime.tv_sec &&
        sb.st_mtim.tv_nsec == s->file_mtime.tv_nsec && sb.st_size == s->file_size) {
        return; /* unchanged: its figure is as old as the file */
    }
    char err[STEER_ERROR_MAX];
    char *text = file_slurp(s->def.file_path, err, sizeof(err));
    double v;
    if (text == NULL || file_parse(text, s->def.file_key, &v, err, sizeof(err)) != 0) {
        snprintf(s->error, sizeof(s->error), "%s", err);
    } else {
        /* The figure is as fresh as the file: a writer that stopped makes it stale. */
        double mtime = (double)sb.st_mtim.tv_sec + (double)sb.st_mtim.tv_nsec / 1e9;
        double age_ms = (now_real_s - mtime) * 1000.0;
        s->load = v;
        s->sample_ms = now_ms - (age_ms > 0 ? age_ms : 0);
        s->samples++;
        s->error[0] = '\0';
    }
    free(text);
    s->file_mtime = sb.st_mtim;
    s->file_size = sb.st_size;
    s->has_file_stat = true;
}

void steer_probe_read(steer_t *st, steer_slot_t *s, double now_ms)
{
    double sum = 0, newest = -1;
    size_t n = 0;
    char err[HEALTH_ERROR_MAX] = "";
    for (size_t i = 0; i < s->probe_slot_count; i++) {
        double v, at;
        char e[HEALTH_ERROR_MAX] = "";
        if (health_slot_load(st->health, s->probe_slots[i], &v, &at, e, sizeof(e)) != 0) {
            if (e[0] != '\0') {
                snprintf(err, sizeof(err), "%s", e);
            }
            continue;
        }
        if (now_ms - at > s->def.max_age_ms) {
            continue; /* that server's figure is too old to count */
        }
        sum += v;
        n++;
        newest = at > newest ? at : newest;
    }
    if (n == 0) {
        snprintf(s->error, sizeof(s->error), "%s",
                 err[0] ? err : "no probe has read a figure within max_age");
        return;
    }
    if (newest > s->sample_ms) {
        s->load = s->def.aggregate == STEER_AGG_SUM ? sum : sum / (double)n;
        s->sample_ms = newest;
        s->samples++;
        s->error[0] = '\0';
    }
}

static void prom_done(void *arg, int rc, double value, const char *error)
{
    steer_slot_t *s = arg;
    steer_t *st = s->st;
    pthread_mutex_lock(&st->mu);
    if (s->is_used && s->def.feed == STEER_FEED_PROMETHEUS) {
        if (rc == 0) {
            s->load = value;
            s->sample_ms = health_monotonic_ms();
            s->samples++;
            s->error[0] = '\0';
        } else {
            snprintf(s->error, sizeof(s->error), "prometheus: %s", error);
        }
    }
    pthread_mutex_unlock(&st->mu);
}

void steer_prom_poll(steer_t *st, double now_ms)
{
    if (st->prom_def.url == NULL || st->base == NULL) {
        return;
    }
    if (st->prom == NULL) {
        char err[STEER_ERROR_MAX];
        if (steer_prom_new(&st->prom, st->base, st->prom_def.url, st->prom_def.timeout_ms, err,
                           sizeof(err)) != 0) {
            log_err("steer: prometheus %s: %s", st->prom_def.url, err);
            free(st->prom_def.url);
            st->prom_def.url = NULL; /* said once; conf checked the form already */
            return;
        }
    }
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (!s->is_used || s->def.feed != STEER_FEED_PROMETHEUS || now_ms < s->prom_due_ms) {
            continue;
        }
        s->prom_due_ms = now_ms + st->prom_def.interval_ms;
        /* -GSLB_EBUSY: the last evaluation is still running; it will answer. */
        (void)steer_prom_query(st->prom, s, s->def.prom_query, prom_done, s);
    }
}
