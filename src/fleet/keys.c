/* fleet: base64 (etcd's JSON gateway carries keys and values in it) and the key layout. */
#include "fleet_int.h"

#include <openssl/evp.h>

#include <stdlib.h>
#include <string.h>

char *fleet_b64_encode(const void *data, size_t len)
{
    char *out = xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

char *fleet_b64_decode(const char *text, size_t *len)
{
    size_t n = strlen(text);
    if (n % 4 != 0 || n > (size_t)1 << 30) {
        return NULL;
    }
    unsigned char *out = xmalloc(n / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    if (got < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    size_t m = (size_t)got;
    for (size_t i = n; i > 0 && text[i - 1] == '=' && m > 0; i--) {
        m--;
    }
    out[m] = '\0';
    *len = m;
    return (char *)out;
}

/* Layout under the prefix (documented in doc/fleet.md):
 *   members/INSTANCE                 leased: the instance's configuration
 *   verdicts/INSTANCE/DC/ADDRESS     leased: "up" or "down"
 *   overrides/datacenters/DC         {"admin": ..., "weight": ...}
 *   overrides/resources/DC/ADDRESS   {"admin": ...}
 *   load/DC                          {"value": V}
 *   seed                             the client hash seed, decimal; written once, by the
 *                                    first instance to find it missing */
char *fleet_key_member(const fleet_t *f, const char *instance)
{
    return xasprintf("%smembers/%s", f->def.prefix, instance);
}

char *fleet_key_verdict(const fleet_t *f, const char *instance, const char *resource)
{
    return xasprintf("%sverdicts/%s/%s", f->def.prefix, instance, resource);
}

char *fleet_key_override(const fleet_t *f, bool is_resource, const char *name)
{
    return xasprintf("%soverrides/%s/%s", f->def.prefix, is_resource ? "resources" : "datacenters",
                     name);
}

char *fleet_key_load(const fleet_t *f, const char *dc)
{
    return xasprintf("%sload/%s", f->def.prefix, dc);
}

char *fleet_key_seed(const fleet_t *f)
{
    return xasprintf("%sseed", f->def.prefix);
}

char *fleet_key_prefix_end(const fleet_t *f)
{
    /* The prefix ends with '/', so incrementing its last byte cannot carry. */
    char *end = xstrdup(f->def.prefix);
    size_t n = strlen(end);
    end[n - 1] = (char)(end[n - 1] + 1);
    return end;
}
