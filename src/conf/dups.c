/* conf: finds keys given twice in any mapping, on the document as written (before merges). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

/* What the keys of a mapping name, for messages. */
typedef enum level {
    LEVEL_TOP,
    LEVEL_DATACENTERS,
    LEVEL_MAPS,
    LEVEL_SERVICES,
    LEVEL_OTHER,
} level_t;

typedef struct dups {
    size_t count;
    bool has_aliases;
} dups_t;

static const char *const level_noun[] = {
    [LEVEL_DATACENTERS] = "datacenter",
    [LEVEL_MAPS] = "map",
    [LEVEL_SERVICES] = "service",
};

static const char *key_text(struct fy_node *k)
{
    if (k == NULL || fy_node_get_type(k) != FYNT_SCALAR || fy_node_get_style(k) == FYNS_ALIAS) {
        return NULL;
    }
    const char *s = fy_node_get_scalar0(k);
    /* "<<" merges another mapping in; it is not a key of this one. */
    return s != NULL && strcmp(s, "<<") != 0 ? s : NULL;
}

/* Service names are compared as DNS names: case-insensitive, final dot optional. */
static bool same_service(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    la -= la > 1 && a[la - 1] == '.';
    lb -= lb > 1 && b[lb - 1] == '.';
    return la == lb && strncasecmp(a, b, la) == 0;
}

static void walk(conf_cx_t *cx, struct fy_node *n, const char *ctx, level_t level, dups_t *st);

static void mapping_walk(conf_cx_t *cx, struct fy_node *n, const char *ctx, level_t level,
                         dups_t *st)
{
    conf_pos_t none = {.file = cx->c->path};
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *key = key_text(k);
        if (key == NULL) {
            st->has_aliases = st->has_aliases || fy_node_get_style(k) == FYNS_ALIAS ||
                              (fy_node_get_type(k) == FYNT_SCALAR &&
                               strcmp(fy_node_get_scalar0(k), "<<") == 0);
        }
        if (key != NULL) {
            void *iter2 = NULL;
            struct fy_node_pair *q;
            while ((q = fy_node_mapping_iterate(n, &iter2)) != NULL && q != p) {
                const char *other = key_text(fy_node_pair_key(q));
                bool is_same = other != NULL && (level == LEVEL_SERVICES
                                                     ? same_service(key, other)
                                                     : strcmp(key, other) == 0);
                if (!is_same) {
                    continue;
                }
                char qk[CONF_QUOTE_MAX + 4];
                conf_quote(key, strlen(key), qk, sizeof(qk));
                conf_pos_t pos = conf_node_pos(cx, k, none);
                unsigned first = conf_node_pos(cx, fy_node_pair_key(q), none).line;
                if (level == LEVEL_DATACENTERS || level == LEVEL_MAPS || level == LEVEL_SERVICES) {
                    conf_error(cx, pos, "duplicate %s '%s' (first at line %u)", level_noun[level],
                               qk, first);
                } else {
                    conf_error(cx, pos, "duplicate key '%s' in %s (first at line %u)", qk, ctx,
                               first);
                }
                st->count++;
                break;
            }
        }

        char *child_ctx;
        level_t child_level = LEVEL_OTHER;
        const char *k_s = key != NULL ? key : "?";
        switch (level) {
        case LEVEL_TOP:
            child_ctx = xstrdup(k_s);
            child_level = strcmp(k_s, "datacenters") == 0 ? LEVEL_DATACENTERS
                          : strcmp(k_s, "maps") == 0      ? LEVEL_MAPS
                          : strcmp(k_s, "services") == 0  ? LEVEL_SERVICES
                                                          : LEVEL_OTHER;
            break;
        case LEVEL_DATACENTERS:
        case LEVEL_MAPS:
        case LEVEL_SERVICES:
            child_ctx = xasprintf("%s '%s'", level_noun[level], k_s);
            break;
        case LEVEL_OTHER:
        default:
            child_ctx = xasprintf("%s: %s", ctx, k_s);
            break;
        }
        walk(cx, fy_node_pair_value(p), child_ctx, child_level, st);
        free(child_ctx);
    }
}

static void walk(conf_cx_t *cx, struct fy_node *n, const char *ctx, level_t level, dups_t *st)
{
    if (n == NULL) {
        return;
    }
    if (fy_node_get_style(n) == FYNS_ALIAS) {
        st->has_aliases = true;
    }
    if (fy_node_get_type(n) == FYNT_MAPPING) {
        mapping_walk(cx, n, ctx, level, st);
    } else if (fy_node_get_type(n) == FYNT_SEQUENCE) {
        void *iter = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(n, &iter)) != NULL) {
            walk(cx, item, ctx, LEVEL_OTHER, st);
        }
    }
}

size_t conf_dups_check(conf_cx_t *cx, struct fy_node *root, bool *has_aliases)
{
    dups_t st = {0};
    walk(cx, root, "the top level", LEVEL_TOP, &st);
    *has_aliases = st.has_aliases;
    return st.count;
}
