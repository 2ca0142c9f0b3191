/* Unit tests for reading a database's networks into a record tree: sizes, aliases, corrupt trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gslb/geo.h"

#ifndef GEO_FIXTURE_DIR
#define GEO_FIXTURE_DIR "."
#endif

#define FIXTURE GEO_FIXTURE_DIR "/fixture-city.mmdb"

/* The file's bytes, and where its search tree ends (node_count * 7 bytes
 * for 28-bit records, the fixture writer's size). */
typedef struct image {
    uint8_t *bytes;
    size_t len;
} image_t;

static image_t image_read(void)
{
    FILE *f = fopen(FIXTURE, "rb");
    assert_non_null(f);
    image_t im = {.bytes = malloc(1 << 20)};
    assert_non_null(im.bytes);
    im.len = fread(im.bytes, 1, 1 << 20, f);
    fclose(f);
    assert_true(im.len > 0 && im.len < (1 << 20));
    return im;
}

static const char *image_write(const image_t *im)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/gslbd-records-%d.mmdb", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(im->bytes, 1, im->len, f), im->len);
    fclose(f);
    return path;
}

/* Point node's left record at search node `to` (28-bit records: bytes 0..2
 * are the left record's low 24 bits, the high nibble of byte 3 its top 4). */
static void left_set(image_t *im, uint32_t node, uint32_t to)
{
    uint8_t *n = im->bytes + (size_t)node * 7;
    n[0] = (uint8_t)(to >> 16);
    n[1] = (uint8_t)(to >> 8);
    n[2] = (uint8_t)to;
    n[3] = (uint8_t)((n[3] & 0x0f) | ((to >> 24) & 0x0f) << 4);
}

static unsigned continent_of(const geo_tree_t *t, const char *text, uint8_t *scope)
{
    uint8_t a[16];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, text, a), 1);
    geo_tree_hit_t hit = geo_tree_find(t, family, a);
    assert_int_equal(hit.dc_count, 1);
    *scope = hit.scope_bits;
    return hit.dcs[0];
}

static void test_records_locate_ipv4_ipv6_and_aliases(void **state)
{
    (void)state;
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, FIXTURE, NULL, NULL), 0);
    geo_records_t *r = NULL;
    assert_int_equal(geo_records_build(&r, db), 0);
    assert_true(geo_records_count(r) > 0);
    geo_tree_t *t = NULL;
    assert_int_equal(geo_tree_continent_new(&t, r), 0);
    uint8_t scope;
    unsigned eu = geo_continent_index("EU");
    assert_int_equal(continent_of(t, "81.2.69.5", &scope), eu);
    assert_int_equal(continent_of(t, "::ffff:81.2.69.5", &scope), eu);
    assert_true(scope > 96);
    /* 6to4: the IPv4 address in bits 16..47, through the database's alias. */
    assert_int_equal(continent_of(t, "2002:5102:4505::1", &scope), eu);
    /* Teredo: the IPv4 address in bits 32..63. */
    assert_int_equal(continent_of(t, "2001:0:5102:4505::1", &scope), eu);
    assert_int_equal(continent_of(t, "8.8.4.4", &scope), GEO_CONTINENT_UNKNOWN);
    assert_true(scope > 0);
    geo_tree_free(t);
    geo_records_free(r);
    geo_db_free(db);
}

static void test_records_cycle_in_search_tree_is_corrupt_not_endless(void **state)
{
    (void)state;
    image_t im = image_read();
    /* Node 3 lies on the path of ::/96 and points back at the root: a walk
     * that trusted the file would never end. */
    left_set(&im, 3, 0);
    const char *path = image_write(&im);
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, path, NULL, NULL), 0);
    geo_records_t *r = (geo_records_t *)&im; /* must be reset to NULL */
    assert_int_equal(geo_records_build(&r, db), -GSLB_EGEO);
    assert_null(r);
    geo_db_free(db);
    unlink(path);
    free(im.bytes);
}

static void test_records_node_out_of_range_is_corrupt(void **state)
{
    (void)state;
    image_t im = image_read();
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, FIXTURE, NULL, NULL), 0);
    geo_db_free(db);
    /* A record far past the data section: neither a node nor a record. */
    left_set(&im, 5, 0x0ffffff0);
    const char *path = image_write(&im);
    assert_int_equal(geo_db_open(&db, path, NULL, NULL), 0);
    geo_records_t *r = NULL;
    assert_int_equal(geo_records_build(&r, db), -GSLB_EGEO);
    assert_null(r);
    geo_db_free(db);
    unlink(path);
    free(im.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records_locate_ipv4_ipv6_and_aliases),
        cmocka_unit_test(test_records_cycle_in_search_tree_is_corrupt_not_endless),
        cmocka_unit_test(test_records_node_out_of_range_is_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
