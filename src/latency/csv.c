/* latency: the CSV reader: prefix,datacenter,rtt_ms[,measured] per line. */
#include "latency_int.h"

#include <string.h>

/* Fields a row may have, and one more to tell "too many". */
#define CSV_FIELDS 4

typedef struct csv_field {
    const char *text; /* without the whitespace around it */
    size_t len;
    unsigned col;     /* 1-based, in characters, of text[0] */
} csv_field_t;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The 1-based column of line[off], counting UTF-8 characters (continuation
 * bytes do not start one), as jansson and editors count. */
static unsigned column_of(const char *line, size_t off)
{
    unsigned col = 1;
    for (size_t i = 0; i < off; i++) {
        col += ((unsigned char)line[i] & 0xc0) != 0x80;
    }
    return col;
}

/* Split line[0..len) (no newline, comment cut off) at commas into f[]
 * (room for CSV_FIELDS + 1), trimmed. Returns the number of fields, which
 * stops counting at CSV_FIELDS + 1. */
static size_t csv_split(const char *line, size_t len, csv_field_t *f)
{
    size_t n = 0, start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && line[end] != ',') {
            end++;
        }
        size_t a = start, z = end;
        while (a < z && is_blank(line[a])) {
            a++;
        }
        while (z > a && is_blank(line[z - 1])) {
            z--;
        }
        f[n] = (csv_field_t){.text = line + a, .len = z - a, .col = column_of(line, a)};
        n++;
        if (end == len || n == CSV_FIELDS + 1) {
            return n;
        }
        start = end + 1;
    }
}

static bool field_is(const csv_field_t *f, const char *word)
{
    size_t n = strlen(word);
    if (f->len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = f->text[i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c) != word[i]) {
            return false;
        }
    }
    return true;
}

/* Check the fields of one row and add it; every bad field is reported. */
static void csv_row(lat_build_t *b, const csv_field_t *f, size_t n, unsigned line)
{
    gslb_addr_t net;
    uint8_t bits = 0;
    uint32_t dc = 0, rtt_us = 0;
    int64_t measured = b->default_measured_s;
    bool is_ok = lat_prefix_check(b, f[0].text, f[0].len, line, f[0].col, &net, &bits);
    is_ok &= lat_dc_check(b, f[1].text, f[1].len, line, f[1].col, &dc);
    is_ok &= lat_rtt_text_check(b, f[2].text, f[2].len, line, f[2].col, &rtt_us);
    /* An empty measured field is an absent one, as spreadsheets write it. */
    if (n == 4 && f[3].len > 0) {
        is_ok &= lat_measured_text_check(b, f[3].text, f[3].len, line, f[3].col, &measured);
    }
    if (is_ok) {
        lat_row_add(b, &net, bits, dc, rtt_us, measured, line, f[0].col);
    }
}

void lat_csv_read(lat_build_t *b, const char *text, size_t len)
{
    static const char *const missing[] = {"prefix", "datacenter", "rtt_ms"};
    bool is_first = true;
    unsigned line = 0;
    size_t pos = 0;
    /* Spreadsheets save "CSV UTF-8" with a byte order mark, which editors
     * do not show: skip it, and count columns from after it. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        pos = 3;
    }
    while (pos < len && !b->is_stopped) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - l) : len - pos;
        pos += n + (nl != NULL);
        line++;
        /* A comment runs from '#' to the end of the line ('#' is in no
         * prefix, number or datacenter name). */
        const char *hash = memchr(l, '#', n);
        if (hash != NULL) {
            n = (size_t)(hash - l);
        }
        const char *nul = memchr(l, '\0', n);
        if (nul != NULL) {
            lat_error(b, line, column_of(l, (size_t)(nul - l)), "NUL byte in a text table");
            continue;
        }
        /* Trailing blanks go, and CRLF's CR with them. */
        size_t used = n;
        while (used > 0 && (is_blank(l[used - 1]) || l[used - 1] == '\r')) {
            used--;
        }
        if (used == 0) {
            continue;
        }
        csv_field_t f[CSV_FIELDS + 1];
        size_t count = csv_split(l, used, f);
        if (is_first) {
            is_first = false;
            if (field_is(&f[0], "prefix")) {
                continue;
            }
        }
        if (count < 3) {
            /* Where the missing field would start: just past the line. */
            lat_error(b, line, column_of(l, used),
                      "missing %s (a row is prefix,datacenter,rtt_ms[,measured])",
                      missing[count]);
            continue;
        }
        if (count > CSV_FIELDS) {
            lat_error(b, line, f[CSV_FIELDS].col,
                      "too many fields (a row is prefix,datacenter,rtt_ms[,measured])");
            continue;
        }
        csv_row(b, f, count, line);
    }
}
