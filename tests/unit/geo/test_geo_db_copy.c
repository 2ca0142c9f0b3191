/* Unit tests for opening a MaxMind DB from a private copy: the file on disk
 * may be truncated or rewritten in place while the database is open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gslb/geo.h"

#include "db_int.h"

#ifndef GEO_FIXTURE_DIR
#define GEO_FIXTURE_DIR "tests/unit/geo"
#endif

/* A scratch folder holding a copy of the city fixture as db.mmdb. */
typedef struct scratch {
    char dir[64];
    char path[128];
    off_t size;
} scratch_t;

static void copy_fixture(const char *to, off_t *size)
{
    char from[4096];
    const char *dir = getenv("GEO_FIXTURE_DIR");
    snprintf(from, sizeof(from), "%s/fixture-city.mmdb",
             dir != NULL && dir[0] != '\0' ? dir : GEO_FIXTURE_DIR);
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    char buf[4096];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, out), n);
        *size += (off_t)n;
    }
    assert_int_equal(fclose(in), 0);
    assert_int_equal(fclose(out), 0);
    assert_true(*size > 0);
}

static int setup_scratch(void **state)
{
    scratch_t *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    snprintf(s->dir, sizeof(s->dir), "/tmp/gslb-geo-copy-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof(s->path), "%s/db.mmdb", s->dir);
    copy_fixture(s->path, &s->size);
    *state = s;
    return 0;
}

static int teardown_scratch(void **state)
{
    scratch_t *s = *state;
    geo_db_fd_dir = "/proc/self/fd";
    unsetenv("TMPDIR");
    unlink(s->path);
    rmdir(s->dir);
    free(s);
    return 0;
}

static int lookup(const geo_db_t *db, const char *text, geo_location_t *loc)
{
    uint8_t addr[16];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, text, addr), 1);
    return geo_db_lookup(db, family, addr, loc);
}

static geo_db_t *open_ok(const char *path)
{
    gslb_diag_t *diag = gslb_diag_new(true);
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, path, NULL, diag), 0);
    assert_non_null(db);
    assert_int_equal(gslb_diag_count(diag), 0);
    gslb_diag_free(diag);
    return db;
}

static void assert_london(const geo_db_t *db)
{
    geo_location_t loc;
    assert_int_equal(lookup(db, "81.2.69.5", &loc), 0);
    assert_true(loc.is_found);
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.city, "London");
    assert_int_equal(loc.prefix_bits, 24);
}

static void test_copy_survives_truncate_to_zero(void **state)
{
    scratch_t *s = *state;
    geo_db_t *db = open_ok(s->path);
    assert_london(db);
    /* A mapping of the file itself would fault (SIGBUS) past the new end. */
    assert_int_equal(truncate(s->path, 0), 0);
    assert_london(db);
    geo_db_free(db);
}

static void test_copy_survives_overwrite_in_place(void **state)
{
    scratch_t *s = *state;
    geo_db_t *db = open_ok(s->path);
    assert_london(db);
    /* Same inode, same size, other bytes: what `cp new.mmdb live.mmdb` leaves
     * mid-copy. */
    int fd = open(s->path, O_WRONLY);
    assert_true(fd >= 0);
    char junk[4096];
    memset(junk, 0xA5, sizeof(junk));
    for (off_t done = 0; done < s->size;) {
        size_t n = (size_t)(s->size - done) < sizeof(junk) ? (size_t)(s->size - done)
                                                           : sizeof(junk);
        ssize_t w = pwrite(fd, junk, n, done);
        assert_true(w > 0);
        done += w;
    }
    assert_int_equal(close(fd), 0);
    assert_london(db);
    geo_db_free(db);
}

static void test_copy_missing_file_names_the_given_path(void **state)
{
    scratch_t *s = *state;
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/absent.mmdb", s->dir);
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_db_t *db = (geo_db_t *)&db;
    assert_int_equal(geo_db_open(&db, missing, NULL, diag), -GSLB_EGEO);
    assert_null(db);
    assert_int_equal(gslb_diag_errors(diag), 1);
    const char *msg = gslb_diag_message(diag, 0);
    assert_non_null(strstr(msg, missing));
    assert_non_null(strstr(msg, "error: geoip: cannot open database ("));
    assert_null(strstr(msg, "/proc/"));
    gslb_diag_free(diag);
}

static void test_copy_unreadable_file_names_the_given_path(void **state)
{
    scratch_t *s = *state;
    /* A directory opens read-only but cannot be read. */
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_db_t *db = (geo_db_t *)&db;
    assert_int_equal(geo_db_open(&db, s->dir, NULL, diag), -GSLB_EGEO);
    assert_null(db);
    assert_int_equal(gslb_diag_errors(diag), 1);
    const char *msg = gslb_diag_message(diag, 0);
    assert_non_null(strstr(msg, s->dir));
    assert_null(strstr(msg, "/proc/"));
    gslb_diag_free(diag);
}

static void test_copy_non_mmdb_names_the_given_path(void **state)
{
    scratch_t *s = *state;
    assert_int_equal(truncate(s->path, 100), 0);
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, s->path, NULL, diag), -GSLB_EGEO);
    assert_null(db);
    assert_int_equal(gslb_diag_errors(diag), 1);
    const char *msg = gslb_diag_message(diag, 0);
    assert_non_null(strstr(msg, s->path));
    assert_non_null(strstr(msg, "error: geoip: cannot open database ("));
    assert_null(strstr(msg, "/proc/"));
    gslb_diag_free(diag);
}

/* Without /proc the copy goes to an unlinked temporary file in TMPDIR. */
static void test_copy_without_proc_uses_unlinked_temporary(void **state)
{
    scratch_t *s = *state;
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s/tmp", s->dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    assert_int_equal(setenv("TMPDIR", tmp, 1), 0);
    geo_db_fd_dir = "/nonexistent/fd";
    geo_db_t *db = open_ok(s->path);
    /* Nothing left behind. */
    DIR *d = opendir(tmp);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        assert_true(strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0);
    }
    closedir(d);
    assert_int_equal(rmdir(tmp), 0);
    assert_int_equal(truncate(s->path, 0), 0);
    assert_london(db);
    geo_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_copy_survives_truncate_to_zero, setup_scratch,
                                        teardown_scratch),
        cmocka_unit_test_setup_teardown(test_copy_survives_overwrite_in_place, setup_scratch,
                                        teardown_scratch),
        cmocka_unit_test_setup_teardown(test_copy_missing_file_names_the_given_path,
                                        setup_scratch, teardown_scratch),
        cmocka_unit_test_setup_teardown(test_copy_unreadable_file_names_the_given_path,
                                        setup_scratch, teardown_scratch),
        cmocka_unit_test_setup_teardown(test_copy_non_mmdb_names_the_given_path, setup_scratch,
                                        teardown_scratch),
        cmocka_unit_test_setup_teardown(test_copy_without_proc_uses_unlinked_temporary,
                                        setup_scratch, teardown_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
