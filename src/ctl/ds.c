/* ctl: GET /ds/ZONE — the DS records of a signed zone's key-signing keys, for its parent. */
#include "ctl_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <urcu.h>

#define DS_TEXT_MAX 8192 /* DNSSEC_MAX_KEYS lines of a SHA-256 DS in presentation form */

/* Is name (presentation, final dot optional, any case) the zone's origin? */
static bool is_zone(const zone_t *z, const char *name)
{
    const char *origin = zone_name(z);
    size_t n = strlen(name), o = strlen(origin);
    if (n > 0 && name[n - 1] != '.') {
        return n + 1 == o && strncasecmp(name, origin, n) == 0;
    }
    return n == o && strcasecmp(name, origin) == 0;
}

void ctl_ds_get(ctl_t *c, struct evhttp_request *req, const char *zone)
{
    char *text = xmalloc(DS_TEXT_MAX);
    text[0] = '\0';
    int found = 0; /* 0 no such zone, 1 not signed, 2 signed */
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(c->pub);
    for (size_t i = 0; i < zone_set_count(s->zones) && found == 0; i++) {
        if (!is_zone(zone_set_at(s->zones, i), zone)) {
            continue;
        }
        found = 1;
        if (i < s->signer_count && s->signers[i] != NULL) {
            found = 2;
            dnssec_zone_ds_text(s->signers[i], text, DS_TEXT_MAX);
        }
    }
    rcu_read_unlock();
    if (found == 0) {
        ctl_http_reply_error(req, 404, "Not Found", "no such zone");
    } else if (found == 1) {
        ctl_http_reply_error(req, 404, "Not Found", "the zone is not signed (no dnssec: keys)");
    } else {
        json_t *list = json_array();
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
            json_array_append_new(list, json_string(line));
        }
        json_t *j = json_pack("{s:s, s:o}", CTL_API_KEY_ZONE, zone, CTL_API_KEY_DS, list);
        ctl_http_reply_json(req, 200, "OK", j);
        json_decref(j);
    }
    free(text);
}
