/* conf: the latency_tables: section (files of measured RTTs for the latency policy). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define LATENCY_MAX_AGE_MAX_S (366u * 86400u)

static const char *const table_keys[] = {"file", "max_age_s", NULL};

int conf_latency_table_index(const conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->latency_table_count; i++) {
        if (strcmp(c->latency_tables[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void table_parse(conf_cx_t *cx, conf_latency_table_t *t, const conf_val_t *v)
{
    char ctx[CONF_QUOTE_MAX + 32];
    char q[CONF_QUOTE_MAX + 4];
    snprintf(ctx, sizeof(ctx), "latency table '%s'",
             conf_quote(t->name, strlen(t->name), q, sizeof(q)));
    if (!conf_val_is_map(cx, v, ctx)) {
        return;
    }
    conf_keys_check(cx, v, table_keys, ctx);
    char what[CONF_QUOTE_MAX + 64];
    conf_val_t kv;
    if (!conf_get(cx, v, "file", &kv)) {
        conf_error(cx, v->pos, "%s needs a file", ctx);
    } else {
        snprintf(what, sizeof(what), "%s: file", ctx);
        char *path = conf_val_str(cx, &kv, what, 1, 4096);
        if (path != NULL) {
            t->file = conf_path_resolve(cx->c->dir, path);
            free(path);
        }
    }
    long long x;
    snprintf(what, sizeof(what), "%s: max_age_s", ctx);
    if (conf_get(cx, v, "max_age_s", &kv) &&
        conf_val_int(cx, &kv, what, 0, LATENCY_MAX_AGE_MAX_S, &x)) {
        t->max_age_s = (unsigned)x;
    }
}

void conf_latency_tables_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    if (conf_val_is_null(v) || !conf_val_is_map(cx, v, "latency_tables")) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    c->latency_tables = xcalloc(n > 0 ? n : 1, sizeof(*c->latency_tables));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *name = conf_pair_key(cx, p, "latency_tables");
        if (name == NULL || conf_latency_table_index(c, name) >= 0) {
            continue; /* repeats are reported by conf_dups_check */
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        if (!conf_name_is_valid(name)) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, pos,
                       "latency table '%s': name must be 1..%d of the characters A-Z a-z 0-9 _ . -",
                       conf_quote(name, strlen(name), q, sizeof(q)), CONF_NAME_MAX);
        }
        conf_latency_table_t *t = &c->latency_tables[c->latency_table_count++];
        t->name = xstrdup(name);
        t->pos = pos;
        t->max_age_s = 0;
        conf_val_t tv = conf_pair_val(cx, p);
        table_parse(cx, t, &tv);
    }
}
