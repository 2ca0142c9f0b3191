/* conf: a data center's load: section and the top-level steering: section (dynamic steering). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define STEER_INTERVAL_MIN_MS 100
#define STEER_INTERVAL_MAX_MS 60000
#define STEER_MAX_AGE_MAX_MS 86400000u
#define PROM_INTERVAL_MIN_MS 500
#define PROM_INTERVAL_MAX_MS 3600000
#define PROM_TIMEOUT_MAX_MS 60000

static const char *const load_keys[] = {
    "feed", "unit", "aggregate", "file", "key", "query", "max_age_ms",
    "target", "shed_above", "restore_below", "max_step", NULL,
};
static const char *const steering_keys[] = {"interval_ms", "hash_seed", "prometheus", NULL};
static const char *const prom_keys[] = {"url", "interval_ms", "timeout_ms", NULL};

static const char *const feed_words[] = {"probe", "file", "control", "prometheus", NULL};
static const steer_feed_t feed_values[] = {STEER_FEED_PROBE, STEER_FEED_FILE, STEER_FEED_CONTROL,
                                           STEER_FEED_PROMETHEUS};

/* One of words[] (exact), its index, or -1 after reporting what is allowed. */
static int word_parse(conf_cx_t *cx, const conf_val_t *v, const char *what,
                      const char *const *words, const char *allowed)
{
    if (!conf_val_is_scalar(cx, v, what)) {
        return -1;
    }
    size_t len;
    const char *text = conf_val_text(v, &len);
    size_t n = 0;
    for (; words[n] != NULL; n++) {
        if (strcmp(text, words[n]) == 0) {
            return (int)n;
        }
    }
    char q[CONF_QUOTE_MAX + 4];
    const char *hint = conf_suggest(text, words, n);
    conf_error(cx, v->pos, "%s must be %s (got '%s')%s%s%s", what, allowed,
               conf_quote(text, len, q, sizeof(q)), hint ? " (did you mean '" : "",
               hint ? hint : "", hint ? "'?)" : "");
    return -1;
}

/* A fraction key of the load section; *has says whether it was given. */
static void fraction_key(conf_cx_t *cx, const conf_val_t *v, const char *key, const char *ctx,
                         double min, double *out, bool *has)
{
    conf_val_t kv;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: load: %s", ctx, key);
    *has = conf_get(cx, v, key, &kv) && conf_val_double(cx, &kv, what, min, 1.0, out);
}

/* The keys that belong to one feed only: an error when given for another. */
static void feed_only_check(conf_cx_t *cx, const conf_val_t *v, const char *ctx,
                            steer_feed_t feed)
{
    static const struct {
        const char *key;
        steer_feed_t feed;
    } only[] = {
        {"aggregate", STEER_FEED_PROBE}, {"file", STEER_FEED_FILE},
        {"key", STEER_FEED_FILE},        {"query", STEER_FEED_PROMETHEUS},
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(only); i++) {
        conf_val_t kv;
        if (only[i].feed != feed && conf_get(cx, v, only[i].key, &kv)) {
            conf_error(cx, kv.pos, "%s: load: %s is only used with feed %s (feed is %s)", ctx,
                       only[i].key, steer_feed_name(only[i].feed), steer_feed_name(feed));
        }
    }
}

/* The controller's thresholds: defaults around target, and their order. */
static void thresholds_parse(conf_cx_t *cx, steer_def_t *d, const conf_val_t *v, const char *ctx)
{
    bool has_target, has_above, has_below, has_step;
    d->target = STEER_DEFAULT_TARGET;
    fraction_key(cx, v, "target", ctx, 0.01, &d->target, &has_target);
    d->shed_above = d->target + STEER_DEFAULT_BAND < 1.0 ? d->target + STEER_DEFAULT_BAND : 1.0;
    d->restore_below = d->target - STEER_DEFAULT_BAND > 0 ? d->target - STEER_DEFAULT_BAND : 0;
    fraction_key(cx, v, "shed_above", ctx, 0.01, &d->shed_above, &has_above);
    fraction_key(cx, v, "restore_below", ctx, 0.0, &d->restore_below, &has_below);
    d->max_step = STEER_DEFAULT_MAX_STEP;
    fraction_key(cx, v, "max_step", ctx, 0.01, &d->max_step, &has_step);
    conf_val_t kv;
    if (has_above && d->shed_above < d->target && conf_get(cx, v, "shed_above", &kv)) {
        conf_error(cx, kv.pos, "%s: load: shed_above (%g) must be at least target (%g)", ctx,
                   d->shed_above, d->target);
    }
    if (has_below && d->restore_below > d->target && conf_get(cx, v, "restore_below", &kv)) {
        conf_error(cx, kv.pos, "%s: load: restore_below (%g) must be at most target (%g)", ctx,
                   d->restore_below, d->target);
    }
}

void conf_load_feed_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                          const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: load", ctx);
    if (!conf_val_is_map(cx, v, what)) {
        return;
    }
    conf_keys_check(cx, v, load_keys, what);
    steer_def_t *d = &dc->load;
    dc->load_pos = v->pos;
    conf_val_t kv;
    if (!conf_get(cx, v, "feed", &kv)) {
        conf_error(cx, v->pos, "%s: load needs a feed (probe, file, control or prometheus)", ctx);
        return;
    }
    snprintf(what, sizeof(what), "%s: load: feed", ctx);
    int f = word_parse(cx, &kv, what, feed_words, "probe, file, control or prometheus");
    if (f < 0) {
        return;
    }
    d->feed = feed_values[f];
    feed_only_check(cx, v, ctx, d->feed);

    static const char *const units[] = {"utilisation", "utilization", "absolute", NULL};
    d->unit = STEER_UNIT_UTILISATION;
    if (conf_get(cx, v, "unit", &kv)) {
        snprintf(what, sizeof(what), "%s: load: unit", ctx);
        int u = word_parse(cx, &kv, what, units, "utilisation or absolute");
        d->unit = u == 2 ? STEER_UNIT_ABSOLUTE : STEER_UNIT_UTILISATION;
    }
    /* A site's servers each report their share of its traffic in absolute
     * units (they add up) or their own utilisation (the site's is the mean). */
    d->aggregate = d->unit == STEER_UNIT_ABSOLUTE ? STEER_AGG_SUM : STEER_AGG_MEAN;
    static const char *const aggs[] = {"mean", "sum", NULL};
    if (d->feed == STEER_FEED_PROBE && conf_get(cx, v, "aggregate", &kv)) {
        snprintf(what, sizeof(what), "%s: load: aggregate", ctx);
        int a = word_parse(cx, &kv, what, aggs, "mean or sum");
        d->aggregate = a == 1 ? STEER_AGG_SUM : STEER_AGG_MEAN;
    }
    if (d->feed == STEER_FEED_FILE) {
        snprintf(what, sizeof(what), "%s: load: file", ctx);
        if (!conf_get(cx, v, "file", &kv)) {
            conf_error(cx, v->pos, "%s: load: feed file needs a file", ctx);
        } else {
            char *path = conf_val_str(cx, &kv, what, 1, 4096);
            if (path != NULL) {
                d->file_path = conf_path_resolve(cx->c->dir, path);
                free(path);
            }
        }
        snprintf(what, sizeof(what), "%s: load: key", ctx);
        d->file_key = conf_get(cx, v, "key", &kv) ? conf_val_str(cx, &kv, what, 1, 255)
                                                   : xstrdup(dc->name);
    }
    if (d->feed == STEER_FEED_PROMETHEUS) {
        snprintf(what, sizeof(what), "%s: load: query", ctx);
        if (!conf_get(cx, v, "query", &kv)) {
            conf_error(cx, v->pos, "%s: load: feed prometheus needs a query", ctx);
        } else {
            d->prom_query = conf_val_str(cx, &kv, what, 1, 4096);
        }
    }
    long long ms;
    d->max_age_ms = STEER_DEFAULT_MAX_AGE_MS;
    snprintf(what, sizeof(what), "%s: load: max_age_ms", ctx);
    if (conf_get(cx, v, "max_age_ms", &kv) &&
        conf_val_int(cx, &kv, what, 100, STEER_MAX_AGE_MAX_MS, &ms)) {
        d->max_age_ms = (unsigned)ms;
    }
    thresholds_parse(cx, d, v, ctx);
}

/* steering: prometheus: {url, interval_ms, timeout_ms} */
static void prometheus_parse(conf_cx_t *cx, const conf_val_t *v)
{
    steer_prom_def_t *p = &cx->c->steering.prometheus;
    if (!conf_val_is_map(cx, v, "steering: prometheus")) {
        return;
    }
    conf_keys_check(cx, v, prom_keys, "steering: prometheus");
    conf_val_t kv;
    if (!conf_get(cx, v, "url", &kv)) {
        conf_error(cx, v->pos, "steering: prometheus needs a url (http://HOST:PORT)");
    } else {
        p->url = conf_val_str(cx, &kv, "steering: prometheus: url", 8, 1024);
        if (p->url != NULL && strncmp(p->url, "http://", 7) != 0) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, kv.pos, "steering: prometheus: url must start with http:// (got '%s')",
                       conf_quote(p->url, strlen(p->url), q, sizeof(q)));
        }
    }
    long long x;
    if (conf_get(cx, v, "interval_ms", &kv) &&
        conf_val_int(cx, &kv, "steering: prometheus: interval_ms", PROM_INTERVAL_MIN_MS,
                     PROM_INTERVAL_MAX_MS, &x)) {
        p->interval_ms = (unsigned)x;
    }
    if (conf_get(cx, v, "timeout_ms", &kv) &&
        conf_val_int(cx, &kv, "steering: prometheus: timeout_ms", 10, PROM_TIMEOUT_MAX_MS, &x)) {
        p->timeout_ms = (unsigned)x;
    }
    if (p->timeout_ms >= p->interval_ms && conf_get(cx, v, "timeout_ms", &kv)) {
        conf_error(cx, kv.pos,
                   "steering: prometheus: timeout_ms must be below interval_ms (%u ms) (got %u)",
                   p->interval_ms, p->timeout_ms);
    }
}

void conf_steering_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_steering_t *s = &cx->c->steering;
    s->interval_ms = STEER_DEFAULT_INTERVAL_MS;
    s->prometheus.interval_ms = 5000;
    s->prometheus.timeout_ms = 2000;
    if (v == NULL || conf_val_is_null(v) || !conf_val_is_map(cx, v, "steering")) {
        return;
    }
    s->pos = v->pos;
    conf_keys_check(cx, v, steering_keys, "steering");
    conf_val_t kv;
    long long x;
    if (conf_get(cx, v, "interval_ms", &kv) &&
        conf_val_int(cx, &kv, "steering: interval_ms", STEER_INTERVAL_MIN_MS,
                     STEER_INTERVAL_MAX_MS, &x)) {
        s->interval_ms = (unsigned)x;
    }
    if (conf_get(cx, v, "hash_seed", &kv) &&
        conf_val_int(cx, &kv, "steering: hash_seed", 0, INT64_MAX, &x)) {
        s->hash_seed = (uint64_t)x;
    }
    if (conf_get(cx, v, "prometheus", &kv)) {
        prometheus_parse(cx, &kv);
    }
}

/* A data center fed by Prometheus needs the server, and the probe feed
 * needs probes that read a figure; checked once every section is parsed. */
void conf_steering_check(conf_cx_t *cx)
{
    conf_t *c = cx->c;
    for (size_t i = 0; i < c->datacenter_count; i++) {
        conf_datacenter_t *dc = &c->datacenters[i];
        if (dc->load.feed == STEER_FEED_PROMETHEUS && c->steering.prometheus.url == NULL) {
            conf_error(cx, dc->load_pos,
                       "datacenter '%s': load: feed prometheus needs steering: prometheus: url",
                       dc->name);
        }
        if (dc->load.feed != STEER_FEED_PROBE) {
            continue;
        }
        bool has_reader = false;
        for (size_t j = 0; j < dc->address_count && !has_reader; j++) {
            int pr = dc->addresses[j].probe >= 0 ? dc->addresses[j].probe : dc->probe;
            has_reader = pr >= 0 && c->probes[pr].def.load_format != HEALTH_LOAD_NONE;
        }
        if (!has_reader) {
            conf_error(cx, dc->load_pos,
                       "datacenter '%s': load: feed probe needs an http or https probe with a "
                       "load: setting on its addresses",
                       dc->name);
        }
    }
}
