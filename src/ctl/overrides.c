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

json_t *ctl_overrides_to_json(const ctl_overrides_t *o)
{
    json_t *dcs = json_object();
    json_t *res = json_object();
    for (size_t i = 0; i < o->count; i++) {
        const ctl_override_t *e = &o->items[i];
        json_t *v = json_object();
        if (e->admin != HEALTH_ADMIN_NONE) {
            json_object_set_new(v, "admin", json_string(health_admin_name(e->admin)));
        }
        if (e->has_weight) {
            json_object_set_new(v, "weight", json_integer(e->weight));
        }
        json_object_set_new(e->is_resource ? res : dcs, e->key, v);
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

int ctl_overrides_save(const ctl_overrides_t *o, const char *path)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    json_t *j = ctl_overrides_to_json(o);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    int rc = -GSLB_EIO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        goto out;
    }
    size_t len = strlen(text);
    bool ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
    /* The rename must not be able to replace the old state with a file whose
     * data is not on disk yet. */
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (ok && rename(tmp, path) == 0) {
        rc = 0;
    }
out:
    if (rc != 0) {
        char eb[128];
        log_err("ctl: state file '%s': cannot write (%s)", path,
                strerror_r(errno, eb, sizeof(eb)));
        unlink(tmp);
    }
    free(text);
    free(tmp);
    return rc;
}

int ctl_overrides_load(ctl_overrides_t *o, const char *path)
{
    ctl_overrides_clear(o);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (j == NULL) {
        if (access(path, F_OK) != 0 && errno == ENOENT) {
            return 0;
        }
        log_err("ctl: state file '%s':%d:%d: cannot read (%s)", path, je.line, je.column,
                je.text);
        return -GSLB_EIO;
    }
    char err[256];
    int rc = ctl_overrides_from_json(o, j, err, sizeof(err));
    json_decref(j);
    if (rc != 0) {
        log_err("ctl: state file '%s': %s", path, err);
    }
    return rc;
}
