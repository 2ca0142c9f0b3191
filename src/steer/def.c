/* steer: the load-feed definition's vocabulary (names, freeing), linkable without the controller. */
#include <stdlib.h>
#include <string.h>

#include "gslb/steer.h"

void steer_def_clear(steer_def_t *d)
{
    free(d->file_path);
    free(d->file_key);
    free(d->prom_query);
    memset(d, 0, sizeof(*d));
}

const char *steer_feed_name(steer_feed_t f)
{
    static const char *const names[STEER_FEED_COUNT] = {"none", "probe", "file", "control",
                                                        "prometheus"};
    return (unsigned)f < STEER_FEED_COUNT ? names[f] : "unknown";
}
