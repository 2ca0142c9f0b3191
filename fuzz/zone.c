/* libFuzzer target for the zone loader: the input is zone file text, loaded under a fixed
 * origin (the first line may override it with $ORIGIN) and freed. Seeds: fuzz/seeds/zone. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gslb/util.h"
#include "gslb/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) {
        log_set_level(LOG_LEVEL_ERR);
        quiet = 1;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    gslb_diag_t *diag = gslb_diag_new(false);
    zone_t *z = NULL;
    if (zone_load_string(&z, "fuzz.zone", text, "fuzz.test.", diag) == 0) {
        zone_free(z);
    }
    gslb_diag_free(diag);
    free(text);
    return 0;
}
