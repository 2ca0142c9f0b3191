/* Unit tests for the fleet's rules: the quorum over verdicts, the contact state machine,
 * and what a range answer from etcd makes of the shared view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fleet_int.h"

static health_shared_t decide(const char *rule, unsigned up, unsigned down)
{
    fleet_quorum_t q;
    assert_int_equal(fleet_quorum_parse(rule, &q), 0);
    return fleet_quorum_decide(&q, up, down);
}

static void test_quorum_majority_needs_more_than_half(void **state)
{
    (void)state;
    assert_int_equal(decide("majority", 2, 1), HEALTH_SHARED_UP);
    assert_int_equal(decide("majority", 1, 2), HEALTH_SHARED_DOWN);
    assert_int_equal(decide("majority", 1, 1), HEALTH_SHARED_DOWN); /* a tie is down */
    assert_int_equal(decide("majority", 3, 2), HEALTH_SHARED_UP);
    assert_int_equal(decide("majority", 1, 0), HEALTH_SHARED_UP);
}

static void test_quorum_all_is_down_on_one_down(void **state)
{
    (void)state;
    assert_int_equal(decide("all", 3, 0), HEALTH_SHARED_UP);
    assert_int_equal(decide("all", 2, 1), HEALTH_SHARED_DOWN);
}

static void test_quorum_any_is_up_on_one_up(void **state)
{
    (void)state;
    assert_int_equal(decide("any", 1, 2), HEALTH_SHARED_UP);
    assert_int_equal(decide("any", 0, 3), HEALTH_SHARED_DOWN);
}

static void test_quorum_count_needs_n_up_or_all_when_fewer(void **state)
{
    (void)state;
    assert_int_equal(decide("2", 2, 1), HEALTH_SHARED_UP);
    assert_int_equal(decide("2", 1, 2), HEALTH_SHARED_DOWN);
    assert_int_equal(decide("3", 2, 2), HEALTH_SHARED_DOWN);
    assert_int_equal(decide("3", 3, 2), HEALTH_SHARED_UP);
    /* Two live instances and a count of 3: both must say up. */
    assert_int_equal(decide("3", 2, 0), HEALTH_SHARED_UP);
    assert_int_equal(decide("3", 1, 1), HEALTH_SHARED_DOWN);
}

static void test_quorum_without_verdicts_is_left_to_the_probe(void **state)
{
    (void)state;
    assert_int_equal(decide("majority", 0, 0), HEALTH_SHARED_NONE);
    assert_int_equal(decide("any", 0, 0), HEALTH_SHARED_NONE);
    assert_int_equal(decide("all", 0, 0), HEALTH_SHARED_NONE);
    assert_int_equal(decide("2", 0, 0), HEALTH_SHARED_NONE);
}

static void test_quorum_parse_rejects_bad_words_and_counts(void **state)
{
    (void)state;
    fleet_quorum_t q = {FLEET_QUORUM_ANY, 7};
    assert_int_equal(fleet_quorum_parse("most", &q), -GSLB_EINVAL);
    assert_int_equal(fleet_quorum_parse("0", &q), -GSLB_EINVAL);
    assert_int_equal(fleet_quorum_parse("1001", &q), -GSLB_EINVAL);
    assert_int_equal(fleet_quorum_parse("2x", &q), -GSLB_EINVAL);
    assert_int_equal(fleet_quorum_parse("-1", &q), -GSLB_EINVAL);
    assert_int_equal(q.kind, FLEET_QUORUM_ANY);
    assert_int_equal(fleet_quorum_parse("1000", &q), 0);
    assert_int_equal(q.kind, FLEET_QUORUM_COUNT);
    assert_int_equal(q.count, 1000);
    char buf[16];
    assert_string_equal(fleet_quorum_name(&q, buf, sizeof(buf)), "1000");
}

/* contact 4000 ms, grace 10000 ms */
static void test_mode_shared_then_grace_then_local_by_one_ms(void **state)
{
    (void)state;
    double ok = 1000;
    assert_int_equal(fleet_mode_decide(true, ok, ok + 4000, 4000, 10000), FLEET_MODE_SHARED);
    assert_int_equal(fleet_mode_decide(true, ok, ok + 4001, 4000, 10000), FLEET_MODE_GRACE);
    assert_int_equal(fleet_mode_decide(true, ok, ok + 14000, 4000, 10000), FLEET_MODE_GRACE);
    assert_int_equal(fleet_mode_decide(true, ok, ok + 14001, 4000, 10000), FLEET_MODE_LOCAL);
}

static void test_mode_local_until_first_read_and_shared_on_return(void **state)
{
    (void)state;
    assert_int_equal(fleet_mode_decide(false, 1000, 1001, 4000, 10000), FLEET_MODE_LOCAL);
    /* Back in contact after a long time: shared again at once. */
    assert_int_equal(fleet_mode_decide(true, 90000, 90001, 4000, 10000), FLEET_MODE_SHARED);
    assert_int_equal(fleet_mode_decide(true, 1000, 1000, 4000, 0), FLEET_MODE_SHARED);
    assert_int_equal(fleet_mode_decide(true, 1000, 5001, 4000, 0), FLEET_MODE_LOCAL);
}

/* ---- the view ---- */

static json_t *kv(const char *key, const char *value)
{
    char *k = fleet_b64_encode(key, strlen(key));
    char *v = fleet_b64_encode(value, strlen(value));
    json_t *j = json_pack("{s:s, s:s, s:s}", "key", k, "value", v, "mod_revision", "7");
    free(k);
    free(v);
    return j;
}

static json_t *range(json_t *kvs)
{
    return json_pack("{s:{s:s}, s:o}", "header", "revision", "9", "kvs", kvs);
}

static void test_view_counts_only_verdicts_of_live_members(void **state)
{
    (void)state;
    json_t *kvs = json_array();
    json_array_append_new(kvs, kv("/g/members/a", "{}"));
    json_array_append_new(kvs, kv("/g/members/b", "{}"));
    json_array_append_new(kvs, kv("/g/verdicts/a/dc1/192.0.2.1", "down"));
    json_array_append_new(kvs, kv("/g/verdicts/b/dc1/192.0.2.1", "down"));
    /* c's lease expired with its member key; a verdict left over must not count. */
    json_array_append_new(kvs, kv("/g/verdicts/c/dc1/192.0.2.1", "up"));
    json_t *body = range(kvs);
    fleet_view_t v;
    size_t skipped = 0;
    assert_int_equal(fleet_view_parse("/g/", body, &v, &skipped), 0);
    assert_int_equal(skipped, 0);
    fleet_quorum_t any = {FLEET_QUORUM_ANY, 0};
    /* self "a" counts its own verdict (NONE: no result yet) instead of the view's. */
    assert_int_equal(fleet_view_decide(&v, "dc1/192.0.2.1", "a", HEALTH_SHARED_NONE, &any),
                     HEALTH_SHARED_DOWN);
    assert_int_equal(fleet_view_decide(&v, "dc1/192.0.2.1", "a", HEALTH_SHARED_UP, &any),
                     HEALTH_SHARED_UP);
    assert_int_equal(fleet_view_decide(&v, "dc9/192.0.2.9", "a", HEALTH_SHARED_NONE, &any),
                     HEALTH_SHARED_NONE);
    fleet_view_clear(&v);
    json_decref(body);
}

static void test_view_reads_overrides_and_loads_and_skips_junk(void **state)
{
    (void)state;
    json_t *kvs = json_array();
    json_array_append_new(kvs, kv("/g/overrides/datacenters/eu", "{\"admin\":\"drain\"}"));
    json_array_append_new(kvs, kv("/g/overrides/datacenters/us", "{\"weight\":50}"));
    json_array_append_new(kvs, kv("/g/overrides/resources/eu/192.0.2.1",
                                  "{\"admin\":\"force-down\"}"));
    json_array_append_new(kvs, kv("/g/load/eu", "{\"value\":0.5}"));
    /* junk: bad admin, weight on a resource, not JSON, unknown section, bad verdict */
    json_array_append_new(kvs, kv("/g/overrides/datacenters/ap", "{\"admin\":\"nap\"}"));
    json_array_append_new(kvs, kv("/g/overrides/resources/ap/192.0.2.2", "{\"weight\":5}"));
    json_array_append_new(kvs, kv("/g/load/ap", "half"));
    json_array_append_new(kvs, kv("/g/other", "x"));
    json_array_append_new(kvs, kv("/g/verdicts/a/dc1/192.0.2.1", "maybe"));
    json_array_append_new(kvs, json_pack("{s:s, s:s}", "key", "***", "value", ""));
    json_t *body = range(kvs);
    fleet_view_t v;
    size_t skipped = 0;
    assert_int_equal(fleet_view_parse("/g/", body, &v, &skipped), 0);
    assert_int_equal(skipped, 6);
    json_t *dcs = json_object_get(v.overrides, "datacenters");
    assert_string_equal(json_string_value(json_object_get(json_object_get(dcs, "eu"), "admin")),
                        "drain");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(dcs, "us"), "weight")), 50);
    assert_null(json_object_get(dcs, "ap"));
    assert_non_null(json_object_get(json_object_get(v.overrides, "resources"), "eu/192.0.2.1"));
    assert_true(json_number_value(json_object_get(json_object_get(v.loads, "eu"), "value")) == 0.5);
    assert_null(json_object_get(v.loads, "ap"));
    fleet_view_clear(&v);
    json_decref(body);
}

static json_t *event(const char *type, const char *key, const char *value, const char *rev)
{
    json_t *one = kv(key, value != NULL ? value : "");
    json_object_set_new(one, "mod_revision", json_string(rev));
    json_t *e = json_pack("{s:o}", "kv", one);
    if (type != NULL) {
        json_object_set_new(e, "type", json_string(type));
    }
    return e;
}

/* A watch message applied to a view read at revision 9. */
static void test_view_apply_puts_deletes_and_skips_old_events(void **state)
{
    (void)state;
    json_t *kvs = json_array();
    json_array_append_new(kvs, kv("/g/members/a", "{}"));
    json_array_append_new(kvs, kv("/g/members/b", "{}"));
    json_array_append_new(kvs, kv("/g/verdicts/b/dc1/192.0.2.1", "up"));
    json_array_append_new(kvs, kv("/g/overrides/datacenters/eu", "{\"admin\":\"drain\"}"));
    json_t *body = range(kvs);
    fleet_view_t v;
    size_t skipped;
    assert_int_equal(fleet_view_parse("/g/", body, &v, &skipped), 0);
    assert_int_equal(v.revision, 9);
    fleet_quorum_t all = {FLEET_QUORUM_ALL, 0};
    const char *res = "dc1/192.0.2.1";
    assert_int_equal(fleet_view_decide(&v, res, "a", HEALTH_SHARED_UP, &all), HEALTH_SHARED_UP);

    json_t *events = json_array();
    /* Older than the read: must not undo what the read saw. */
    json_array_append_new(events, event(NULL, "/g/verdicts/b/dc1/192.0.2.1", "down", "8"));
    json_t *msg = json_pack("{s:{s:s}, s:o}", "header", "revision", "9", "events", events);
    bool is_shared = false;
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), 0);
    assert_false(is_shared);
    assert_int_equal(fleet_view_decide(&v, res, "a", HEALTH_SHARED_UP, &all), HEALTH_SHARED_UP);
    json_decref(msg);

    events = json_array();
    json_array_append_new(events, event(NULL, "/g/verdicts/b/dc1/192.0.2.1", "down", "10"));
    json_array_append_new(events, event("DELETE", "/g/overrides/datacenters/eu", NULL, "11"));
    json_array_append_new(events, event(NULL, "/g/load/eu", "{\"value\":2}", "12"));
    msg = json_pack("{s:{s:s}, s:o}", "header", "revision", "12", "events", events);
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), 0);
    assert_true(is_shared);
    assert_int_equal(v.revision, 12);
    assert_int_equal(fleet_view_decide(&v, res, "a", HEALTH_SHARED_UP, &all), HEALTH_SHARED_DOWN);
    assert_int_equal(json_object_size(json_object_get(v.overrides, "datacenters")), 0);
    assert_non_null(json_object_get(v.loads, "eu"));
    json_decref(msg);

    /* b's member key goes (its lease expired): its verdict stops counting. */
    events = json_array();
    json_array_append_new(events, event("DELETE", "/g/members/b", NULL, "13"));
    msg = json_pack("{s:{s:s}, s:o}", "header", "revision", "13", "events", events);
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), 0);
    assert_int_equal(fleet_view_decide(&v, res, "a", HEALTH_SHARED_UP, &all), HEALTH_SHARED_UP);
    json_decref(msg);

    msg = json_pack("{s:s}", "events", "not a list");
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), -GSLB_EINVAL);
    json_decref(msg);
    fleet_view_clear(&v);
    json_decref(body);
}

/* The client hash seed: read from a range, changed and deleted by events (a change
 * counts as shared), and only decimal seeds up to 19 digits taken. */
static void test_view_reads_the_hash_seed(void **state)
{
    (void)state;
    const char *bad[] = {"", "-1", "12a", "0x10", "12345678901234567890"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *kvs = json_array();
        json_array_append_new(kvs, kv("/g/seed", bad[i]));
        json_t *body = range(kvs);
        fleet_view_t v;
        size_t skipped;
        assert_int_equal(fleet_view_parse("/g/", body, &v, &skipped), 0);
        assert_false(v.has_seed);
        assert_int_equal(skipped, 1);
        fleet_view_clear(&v);
        json_decref(body);
    }
    json_t *kvs = json_array();
    json_array_append_new(kvs, kv("/g/seed", "4242"));
    json_t *body = range(kvs);
    fleet_view_t v;
    size_t skipped;
    assert_int_equal(fleet_view_parse("/g/", body, &v, &skipped), 0);
    assert_true(v.has_seed);
    assert_true(v.seed == 4242);
    json_t *events = json_array();
    json_array_append_new(events, event(NULL, "/g/seed", "9223372036854775807", "10"));
    json_t *msg = json_pack("{s:{s:s}, s:o}", "header", "revision", "10", "events", events);
    bool is_shared = false;
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), 0);
    assert_true(is_shared);
    assert_true(v.seed == 9223372036854775807ull);
    json_decref(msg);
    events = json_array();
    json_array_append_new(events, event("DELETE", "/g/seed", NULL, "11"));
    msg = json_pack("{s:{s:s}, s:o}", "header", "revision", "11", "events", events);
    assert_int_equal(fleet_view_apply("/g/", &v, msg, &is_shared), 0);
    assert_false(v.has_seed);
    json_decref(msg);
    fleet_view_clear(&v);
    json_decref(body);
}

static void test_view_refuses_what_is_not_a_range_answer(void **state)
{
    (void)state;
    fleet_view_t v;
    size_t skipped;
    json_t *j = json_pack("{s:s}", "error", "etcdserver: request timed out");
    assert_int_equal(fleet_view_parse("/g/", j, &v, &skipped), -GSLB_EINVAL);
    json_decref(j);
    j = json_pack("{s:{}, s:s}", "header", "kvs", "nope");
    assert_int_equal(fleet_view_parse("/g/", j, &v, &skipped), -GSLB_EINVAL);
    json_decref(j);
    j = json_pack("{s:{}}", "header"); /* an empty prefix: no kvs at all */
    assert_int_equal(fleet_view_parse("/g/", j, &v, &skipped), 0);
    assert_int_equal(json_object_size(v.members), 0);
    fleet_view_clear(&v);
    json_decref(j);
}

static void test_b64_round_trip_and_refusal(void **state)
{
    (void)state;
    const char *texts[] = {"", "a", "ab", "abc", "/gslbd/verdicts/x/eu/192.0.2.1"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *e = fleet_b64_encode(texts[i], strlen(texts[i]));
        size_t n = 99;
        char *d = fleet_b64_decode(e, &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(texts[i]));
        assert_memory_equal(d, texts[i], n);
        free(d);
        free(e);
    }
    size_t n;
    assert_null(fleet_b64_decode("abc", &n));
    assert_null(fleet_b64_decode("a*c=", &n));
}

static void test_endpoint_parse_accepts_addresses_only(void **state)
{
    (void)state;
    fleet_endpoint_t ep;
    assert_null(fleet_endpoint_parse("http://127.0.0.1:2379", &ep));
    assert_int_equal(ep.port, 2379);
    assert_false(ep.is_tls);
    assert_null(fleet_endpoint_parse("https://[::1]:2379/", &ep));
    assert_true(ep.is_tls);
    assert_string_equal(ep.host, "::1");
    assert_string_equal(ep.host_header, "[::1]:2379");
    assert_non_null(fleet_endpoint_parse("http://etcd1:2379", &ep));
    assert_non_null(fleet_endpoint_parse("http://127.0.0.1", &ep));
    assert_non_null(fleet_endpoint_parse("ftp://127.0.0.1:1", &ep));
    assert_non_null(fleet_endpoint_parse("http://127.0.0.1:0", &ep));
    assert_non_null(fleet_endpoint_parse("http://127.0.0.1:2379/v3", &ep));
}

static void test_def_equal_sees_each_key(void **state)
{
    (void)state;
    char *eps_a[] = {"http://127.0.0.1:1"}, *eps_b[] = {"http://127.0.0.1:2"};
    fleet_def_t a = {.is_enabled = true, .instance = "ns1", .endpoints = eps_a,
                     .endpoint_count = 1, .prefix = "/g/", .lease_ttl_s = 6};
    fleet_def_t b = a;
    assert_true(fleet_def_equal(&a, &b));
    b.endpoints = eps_b;
    assert_false(fleet_def_equal(&a, &b));
    b = a;
    b.quorum.kind = FLEET_QUORUM_ANY;
    assert_false(fleet_def_equal(&a, &b));
    b = a;
    b.instance = "ns2";
    assert_false(fleet_def_equal(&a, &b));
    b = a;
    b.grace_ms = 1;
    assert_false(fleet_def_equal(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quorum_majority_needs_more_than_half),
        cmocka_unit_test(test_quorum_all_is_down_on_one_down),
        cmocka_unit_test(test_quorum_any_is_up_on_one_up),
        cmocka_unit_test(test_quorum_count_needs_n_up_or_all_when_fewer),
        cmocka_unit_test(test_quorum_without_verdicts_is_left_to_the_probe),
        cmocka_unit_test(test_quorum_parse_rejects_bad_words_and_counts),
        cmocka_unit_test(test_mode_shared_then_grace_then_local_by_one_ms),
        cmocka_unit_test(test_mode_local_until_first_read_and_shared_on_return),
        cmocka_unit_test(test_view_counts_only_verdicts_of_live_members),
        cmocka_unit_test(test_view_reads_overrides_and_loads_and_skips_junk),
        cmocka_unit_test(test_view_refuses_what_is_not_a_range_answer),
        cmocka_unit_test(test_view_apply_puts_deletes_and_skips_old_events),
        cmocka_unit_test(test_view_reads_the_hash_seed),
        cmocka_unit_test(test_b64_round_trip_and_refusal),
        cmocka_unit_test(test_endpoint_parse_accepts_addresses_only),
        cmocka_unit_test(test_def_equal_sees_each_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
