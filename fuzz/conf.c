/* libFuzzer target for the configuration loader: the input is a YAML document given to
 * conf_load_string, and the result freed.
 *
 * The loader first parses each file in a child process with a deadline (src/conf/guard.c),
 * because libfyaml 0.7.12 loops forever on some inputs (a 3-byte "%\xe5\n": a directive
 * line with a byte that is not UTF-8). A fork per input would make the fuzzer crawl, so the
 * guard is switched off here (conf_parse_guard_disabled) and libFuzzer's -timeout catches
 * any other hang. Inputs with a directive line ('%' at the start of a line) holding a byte
 * that is not ASCII, the shape of the known hang, are skipped (each would cost the guard's
 * whole deadline; tests/unit/conf covers the guard on them); other inputs with a directive
 * line still go through the guard, with a short deadline. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "gslb/conf.h"
#include "gslb/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERR);
    conf_parse_timeout_ms = 500;
    return 0;
}

/* 0: no directive line; 1: directive lines, all ASCII; 2: a directive line with a byte that is
 * not ASCII (the known libfyaml hang's shape). */
static int directive_kind(const uint8_t *data, size_t size)
{
    int kind = 0;
    bool in_directive = false;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '%' && (i == 0 || data[i - 1] == '\n' || data[i - 1] == '\r')) {
            in_directive = true;
            kind = kind < 1 ? 1 : kind;
        } else if (data[i] == '\n' || data[i] == '\r') {
            in_directive = false;
        } else if (in_directive && data[i] >= 0x80) {
            return 2;
        }
    }
    return kind;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int kind = directive_kind(data, size);
    if (kind == 2) {
        return -1; /* known library hang: not run, not kept in the corpus */
    }
    char *yaml = malloc(size + 1);
    if (yaml == NULL) {
        return 0;
    }
    memcpy(yaml, data, size);
    yaml[size] = '\0';
    conf_parse_guard_disabled = kind == 0;
    gslb_diag_t *diag = gslb_diag_new(false);
    conf_t *c = NULL;
    if (conf_load_string("fuzz.yaml", yaml, diag, &c) == 0) {
        conf_free(c);
    }
    gslb_diag_free(diag);
    free(yaml);
    return 0;
}
