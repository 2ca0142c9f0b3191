/* ctl: the admin overrides table keyed by name, applying it to a policy, and the state file. */
#include "ctl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_VERSION 1

void ctl_overrides_clear(ctl_overrides_t *o)
{
    for (size_t i = 0; i < o->count; i++) {
        free(o->items[i].key);
    }
    free(o->items);
    o->items = NULL;
    o->count = 0;
}

static ctl_override_t *find(const ctl_overrides_t *o, bool is_resource, const char *key)
{
    for (size_t i = 0; i < o->count; i++) {
        if (o->items[i].is_resource == is_resource && strcmp(o->items[i].key, key) == 0) {
            return &o->items[i];
        }
    }
    return NULL;
}

const ctl_override_t *ctl_overrides_find(const ctl_overrides_t *o, bool is_resource,
                                         const char *key)
{
    return find(o, is_resource, key);
}

static ctl_override_t *find_or_add(ctl_overrides_t *o, bool is_resource, const char *key)
{
    ctl_override_t *e = find(o, is_resource, key);
    if (e != NULL) {
        return e;
    }
    o->items = xrealloc(o->items, (o->count + 1) * sizeof(*o->items));
    e = &o->items[o->count++];
    memset(e, 0, sizeof(*e));
    e->key = xstrdup(key);
    e->is_resource = is_resource;
    return e;
}

/* Drop entries that no longer override anything. */
static void prune(ctl_overrides_t *o)
{
    size_t n = 0;
    for (size_t i = 0; i < o->count; i++) {
        if (o->items[i].admin == HEALTH_ADMIN_NONE && !o->items[i].has_weight) {
            free(o->items[i].key);
        } else {
            o->items[n++] = o->items[i];
        }
    }
    o->count = n;
}

void ctl_overrides_set_admin(ctl_overrides_t *o, bool is_resource, const char *key,
                             health_admin_t admin)
{
    find_or_add(o, is_resource, key)->admin = admin;
    prune(o);
}

void ctl_overrides_set_weight(ctl_overrides_t *o, const char *dc, bool has_weight,
                              uint32_t weight)
{
    ctl_override_t *e = find_or_add(o, false, dc);
    e->has_weight = has_weight;
    e->weight = has_weight ? weight : 0;
    prune(o);
}

char *ctl_resource_key(const char *dc, const char *address)
{
    gslb_addr_t a;
    char text[GSLB_ADDR_TEXT_MAX];
    if (gslb_addr_parse(address, &a) != 0) {
        return NULL;
    }
    return xasprintf("%s/%s", dc, gslb_addr_format(&a, text, sizeof(text)));
}

size_t ctl_overrides_apply(const ctl_overrides_t *o, policy_t *p, bool log_missing)
{
    size_t missing = 0;
    for (size_t i = 0; i < o->count; i++) {
        const ctl_override_t *e = &o->items[i];
        if (!e->is_resource) {
            int dc = policy_datacenter_find(p, e->key);
            if (dc < 0) {
                missing++;
                if (log_missing) {
                    log_warn("ctl: datacenter '%s': override kept but not in the configuration",
                             e->key);
                }
                continue;
            }
            policy_datacenter_set_admin(p, (uint32_t)dc, e->admin);
            if (e->has_weight) {
                policy_datacenter_set_weight(p, (uint32_t)dc, e->weight);
            }
            continue;
        }
        const char *slash = strchr(e->key, '/');
        long r = -1;
        if (slash != NULL) {
            char *dc = xstrndup(e->key, (size_t)(slash - e->key));
            r = policy_resource_find(p, dc, slash + 1);
            free(dc);
        }
        if (r < 0) {
            missing++;
            if (log_missing) {
                log_warn("ctl: resource '%s': override kept but not in the configuration",
                         e->key);
            }
            continue;
        }
        policy_resource_set_admin(p, (size_t)r, e->admin);
    }
    return missing;
}

json_t *ctl_override_json(const ctl_override_t *e)
{
    json_t *v = json_object();
    if (e->admin != HEALTH_ADMIN_NONE) {
        json_object_set_new(v, "admin", json_string(health_admin_name(e->admin)));
    }
    if (e->has_weight) {
        json_object_set_new(v, "weight", json_integer(e->weight));
    }
    return v;
}

json_t *ctl_overrides_to_json(const ctl_overrides_t *o)
{
    json_t *dcs = json_object();
    json_t *res = json_object();
    for (size_t i = 0; i < o->count; i++) {
        const ctl_override_t *e = &o->items[i];
        json_object_set_new(e->is_resource ? res : dcs, e->key, ctl_override_json(e));
    }
    return json_pack("{s:i, s:o, s:o}", "version", STATE_VERSION, "datacenters", dcs,
                     "resources", res);
}

static int admin_parse(const char *s, health_admin_t *out)
{
    for (int a = HEALTH_ADMIN_NONE; a <= HEALTH_ADMIN_FORCE_DOWN; a++) {
        if (strcmp(s, health_admin_name((health_admin_t)a)) == 0) {
            *out = (health_admin_t)a;
            return 0;
        }
    }
    return -1;
}

static int section_from_json(ctl_overrides_t *o, const json_t *sec, bool is_resource,
                             char *err, size_t err_len)
{
    if (sec == NULL) {
        return 0;
    }
    if (!json_is_object(sec)) {
        snprintf(err, err_len, "'%s' must be an object", is_resource ? "resources" : "datacenters");
        return -GSLB_EINVAL;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sec, key, v) {
        json_t *adm = json_object_get(v, "admin");
        json_t *w = json_object_get(v, "weight");
        health_admin_t a = HEALTH_ADMIN_NONE;
        if (!json_is_object(v) || (adm != NULL && (!json_is_string(adm) ||
                                                    admin_parse(json_string_value(adm), &a) != 0))) {
            snprintf(err, err_len, "'%s': admin must be drain, force-up, force-down or none", key);
            return -GSLB_EINVAL;
        }
        if (w != NULL && (is_resource || !json_is_integer(w) || json_integer_value(w) < 0 ||
                          json_integer_value(w) > CONF_WEIGHT_MAX)) {
            snprintf(err, err_len, "'%s': weight must be 0..%d (data centers only)", key,
                     CONF_WEIGHT_MAX);
            return -GSLB_EINVAL;
        }
        char *k = is_resource ? NULL : xstrdup(key);
        if (is_resource) {
            const char *slash = strchr(key, '/');
            char *dc = slash != NULL ? xstrndup(key, (size_t)(slash - key)) : NULL;
            k = dc != NULL ? ctl_resource_key(dc, slash + 1) : NULL;
            free(dc);
            if (k == NULL) {
                snprintf(err, err_len, "'%s': a resource is 'datacenter/address'", key);
                return -GSLB_EINVAL;
            }
        }
        ctl_overrides_set_admin(o, is_resource, k, a);
        if (w != NULL) {
            ctl_overrides_set_weight(o, k, true, (uint32_t)json_integer_value(w));
        }
        free(k);
    }
    return 0;
}

int ctl_overrides_from_json(ctl_overrides_t *o, const json_t *j, char *err, size_t err_len)
{
    ctl_overrides_clear(o);
    json_t *ver = json_object_get(j, "version");
    if (!json_is_object(j) || !json_is_integer(ver) || json_integer_value(ver) != STATE_VERSION) {
        snprintf(err, err_len, "expected an object with \"version\": %d", STATE_VERSION);
        return -GSLB_EINVAL;
    }
    int rc = section_from_json(o, json_object_get(j, "datacenters"), false, err, err_len);
    if (rc == 0) {
        rc = section_from_json(o, json_object_get(j, "resources"), true, err, err_len);
    }
    if (rc != 0) {
        ctl_overrides_clear(o);
    }
    return rc;
}

/* The whole of path in *data (NUL-terminated, owned by the caller). Returns 0,
 * or -1 with errno set. */
static int read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rbe");
    if (f == NULL) {
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) {
            break;
        }
        cap *= 2;
        buf = xrealloc(buf, cap);
    }
    int saved = ferror(f) ? EIO : 0;
    fclose(f);
    if (saved != 0) {
        free(buf);
        errno = saved;
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

/* Parse a state file's text into o; on failure o is empty and err says why,
 * with the line and column for a JSON syntax error. */
static int state_parse(ctl_overrides_t *o, const char *path, const char *data, size_t len,
                       char *err, size_t err_len)
{
    json_error_t je;
    json_t *j = json_loadb(data, len, 0, &je);
    if (j == NULL) {
        ctl_overrides_clear(o);
        snprintf(err, err_len, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return -GSLB_EINVAL;
    }
    char why[256];
    int rc = ctl_overrides_from_json(o, j, why, sizeof(why));
    json_decref(j);
    if (rc != 0) {
        snprintf(err, err_len, "%s: %s", path, why);
    }
    return rc;
}

/* The directory holding path, fsynced so that a rename in it is on disk. */
static void fsync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? xstrdup(".")
                              : slash == path ? xstrdup("/")
                                              : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
        char eb[128];
        log_warn("ctl: directory '%s': cannot sync (%s)", dir, strerror_r(errno, eb, sizeof(eb)));
    }
    if (fd >= 0) {
        close(fd);
    }
    free(dir);
}

/* Replace path with data: a temporary file next to it, written and fsynced,
 * then renamed, so that path is always either the old or the new file.
 * Returns 0, or -1 with errno set (the temporary file removed). */
static int write_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    bool ok = write(fd, data, len) == (ssize_t)len;
    /* The rename must not be able to replace the old file with one whose
     * data is not on disk yet. */
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    saved = errno != 0 ? errno : saved;
    unlink(tmp);
    free(tmp);
    errno = saved != 0 ? saved : EIO;
    return -1;
}

int ctl_overrides_save(const ctl_overrides_t *o, const char *path)
{
    /* Keep the current file as the previous copy first, but only when it
     * parses: a damaged file must never push out the last good one. */
    char *old;
    size_t old_len;
    if (read_file(path, &old, &old_len) == 0) {
        ctl_overrides_t check = {0};
        char err[512];
        char *prev = xasprintf("%s.prev", path);
        if (state_parse(&check, path, old, old_len, err, sizeof(err)) != 0) {
            log_warn("ctl: state file damaged (%s): not kept as the previous copy '%s'", err,
                     prev);
        } else if (write_atomic(prev, old, old_len) != 0) {
            char eb[128];
            log_err("ctl: state file '%s': cannot keep the previous copy '%s' (%s)", path, prev,
                    strerror_r(errno, eb, sizeof(eb)));
        } else {
            fsync_dir(prev);
        }
        ctl_overrides_clear(&check);
        free(prev);
        free(old);
    }

    json_t *j = ctl_overrides_to_json(o);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    char *body = xasprintf("%s\n", text);
    free(text);
    int rc = 0;
    if (write_atomic(path, body, strlen(body)) != 0) {
        char eb[128];
        log_err("ctl: state file '%s': cannot write (%s)", path,
                strerror_r(errno, eb, sizeof(eb)));
        rc = -GSLB_EIO;
    } else {
        fsync_dir(path);
    }
    free(body);
    return rc;
}

/* Read one state file into o: 0, 1 when it does not exist, or -1 with the
 * reason in err. The file's text goes to *data when it could be read. */
static int load_one(ctl_overrides_t *o, const char *path, char **data, size_t *len, char *err,
                    size_t err_len)
{
    ctl_overrides_clear(o);
    if (read_file(path, data, len) != 0) {
        if (errno == ENOENT) {
            return 1;
        }
        char eb[128];
        snprintf(err, err_len, "%s: cannot read (%s)", path, strerror_r(errno, eb, sizeof(eb)));
        return -1;
    }
    return state_parse(o, path, *data, *len, err, err_len) == 0 ? 0 : -1;
}

int ctl_overrides_load(ctl_overrides_t *o, const char *path, ctl_state_load_t *st)
{
    memset(st, 0, sizeof(*st));
    char *data = NULL;
    size_t len = 0;
    char err[512];
    int rc = load_one(o, path, &data, &len, err, sizeof(err));
    if (rc >= 0) {
        free(data);
        return 0;
    }
    /* Damaged: keep its text aside for a post-mortem (the next save will
     * replace path), and fall back to the previous good copy. */
    char *prev = xasprintf("%s.prev", path);
    char *damaged = xasprintf("%s.damaged", path);
    char *kept = xstrdup("not kept: it could not be read");
    if (data != NULL) {
        free(kept);
        if (write_atomic(damaged, data, len) == 0) {
            fsync_dir(damaged);
            kept = xasprintf("kept as '%s'", damaged);
        } else {
            char eb[128];
            kept = xasprintf("not kept: cannot write '%s' (%s)", damaged,
                             strerror_r(errno, eb, sizeof(eb)));
        }
    }
    free(data);
    data = NULL;
    char perr[512];
    int prc = load_one(o, prev, &data, &len, perr, sizeof(perr));
    free(data);
    if (prc == 0) {
        st->is_recovered = true;
        snprintf(st->error, sizeof(st->error), "%s", err);
        log_err("ctl: state file damaged (%s): %zu overrides restored from the previous copy "
                "'%s'; the damaged file is %s",
                err, o->count, prev, kept);
        rc = 0;
    } else {
        st->is_damaged = true;
        if (prc > 0) {
            snprintf(perr, sizeof(perr), "%s: does not exist", prev);
        }
        snprintf(st->error, sizeof(st->error), "%s; %s", err, perr);
        log_err("ctl: state file damaged (%s) and no good previous copy (%s): starting WITHOUT "
                "the saved admin overrides; the damaged file is %s",
                err, perr, kept);
        rc = -GSLB_EINVAL;
    }
    /* The parser quotes the damaged text: keep /status valid UTF-8. */
    for (char *q = st->error; *q != '\0'; q++) {
        if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f) {
            *q = '?';
        }
    }
    free(kept);
    free(prev);
    free(damaged);
    return rc;
}
