/* Unit tests for the slot registry: dedup, reloads, capacity, slot reuse, stats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "health_test.h"

/* TCP defs that differ by port; nothing is started, so nothing is probed. */
static test_probe_t tcp_def(const char *name, uint16_t port)
{
    test_probe_t d = test_def(HEALTH_PROBE_TCP, name);
    test_def_target(&d, "127.0.0.1", port);
    return d;
}

static health_t *registry_new(size_t capacity)
{
    health_t *h = NULL;
    assert_int_equal(health_new(&h, capacity), 0);
    assert_non_null(h);
    return h;
}

static void test_apply_equal_defs_share_one_slot(void **state)
{
    (void)state;
    health_t *h = registry_new(4);
    test_probe_t defs[3] = {tcp_def("us-east/a", 80), tcp_def("eu-west/a", 80),
                                  tcp_def("us-east/b", 81)};
    uint32_t slots[3];
    assert_int_equal(test_health_apply(h, defs, 3, slots), 0);
    assert_int_equal(slots[0], slots[1]);
    assert_int_not_equal(slots[0], slots[2]);

    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slots[0], &info), 0);
    assert_string_equal(info.name, "us-east/a, eu-west/a");
    assert_int_equal(info.type, HEALTH_PROBE_TCP);
    health_stats_t st;
    assert_int_equal(health_stats_get(h, &st), 0);
    assert_int_equal(st.slots_used, 2);
    assert_int_equal(st.capacity, 4);
    health_free(h);
}

static void test_apply_name_does_not_change_identity(void **state)
{
    (void)state;
    health_t *h = registry_new(4);
    test_probe_t d = tcp_def("old-name", 80);
    uint32_t first, second;
    assert_int_equal(test_health_apply(h, &d, 1, &first), 0);
    d.name = "new-name";
    d.def.is_initially_up = false;
    assert_int_equal(test_health_apply(h, &d, 1, &second), 0);
    assert_int_equal(first, second);
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, second, &info), 0);
    assert_string_equal(info.name, "new-name");
    /* The kept probe keeps its state, whatever the new start state says. */
    assert_true(info.is_up);
    health_free(h);
}

static void test_apply_none_gets_slot_none_and_is_up(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    test_probe_t d = test_def(HEALTH_PROBE_NONE, "static");
    uint32_t slot = 0;
    assert_int_equal(test_health_apply(h, &d, 1, &slot), 0);
    assert_int_equal(slot, HEALTH_SLOT_NONE);
    assert_true(health_slot_is_up(h, slot));
    assert_true(health_slot_is_up(NULL, 0));
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slot, &info), -GSLB_ENOTFOUND);
    health_stats_t st;
    assert_int_equal(health_stats_get(h, &st), 0);
    assert_int_equal(st.slots_used, 0);
    health_free(h);
}

static void test_apply_initial_state_follows_def(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    test_probe_t defs[2] = {tcp_def("up", 80), tcp_def("down", 81)};
    defs[1].def.is_initially_up = false;
    uint32_t slots[2];
    assert_int_equal(test_health_apply(h, defs, 2, slots), 0);
    assert_true(health_slot_is_up(h, slots[0]));
    assert_false(health_slot_is_up(h, slots[1]));
    health_free(h);
}

static void test_apply_reload_keeps_unchanged_and_frees_removed(void **state)
{
    (void)state;
    health_t *h = registry_new(3);
    test_probe_t a = tcp_def("a", 80), b = tcp_def("b", 81), c = tcp_def("c", 82);
    b.def.is_initially_up = false;
    test_probe_t first[2] = {a, b};
    uint32_t s1[2];
    assert_int_equal(test_health_apply(h, first, 2, s1), 0);

    test_probe_t second[2] = {b, c};
    uint32_t s2[2];
    assert_int_equal(test_health_apply(h, second, 2, s2), 0);
    assert_int_equal(s2[0], s1[1]);
    assert_false(health_slot_is_up(h, s2[0]));
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, s2[1], &info), 0);
    assert_string_equal(info.name, "c");
    /* a is stopped; its slot waits for health_slots_reclaim. */
    assert_int_equal(health_slot_info(h, s1[0], &info), -GSLB_ENOTFOUND);
    health_stats_t st;
    assert_int_equal(health_stats_get(h, &st), 0);
    assert_int_equal(st.slots_used, 2);
    health_free(h);
}

/* Between a reload's health_apply and the end of the grace period, workers
 * still answer from the previous snapshot, which reads the slots of the
 * resources this reload removed. Those slots must keep what they said (a
 * is down) and must not be handed to this reload's new probes (c is up). */
static void test_apply_removed_slot_is_not_reused_before_reclaim(void **state)
{
    (void)state;
    health_t *h = registry_new(3);
    test_probe_t a = tcp_def("a", 80), b = tcp_def("b", 81), c = tcp_def("c", 82);
    a.def.is_initially_up = false;
    test_probe_t first[2] = {a, b};
    uint32_t s1[2];
    assert_int_equal(test_health_apply(h, first, 2, s1), 0);
    assert_false(health_slot_is_up(h, s1[0]));

    test_probe_t second[2] = {b, c};
    uint32_t s2[2];
    assert_int_equal(test_health_apply(h, second, 2, s2), 0);
    assert_int_not_equal(s2[1], s1[0]);
    assert_false(health_slot_is_up(h, s1[0]));
    assert_true(health_slot_is_up(h, s2[1]));

    /* After the grace period the slot is free: up, no probe, reusable. */
    health_slots_reclaim(h);
    assert_true(health_slot_is_up(h, s1[0]));
    test_probe_t d = tcp_def("d", 83);
    test_probe_t third[3] = {b, c, d};
    uint32_t s3[3];
    assert_int_equal(test_health_apply(h, third, 3, s3), 0);
    assert_int_equal(s3[2], s1[0]);
    health_free(h);
}

static void test_apply_removing_everything_frees_all_slots(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    test_probe_t defs[2] = {tcp_def("a", 80), tcp_def("b", 81)};
    uint32_t slots[2];
    assert_int_equal(test_health_apply(h, defs, 2, slots), 0);
    assert_int_equal(test_health_apply(h, NULL, 0, NULL), 0);
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slots[0], &info), -GSLB_ENOTFOUND);
    assert_int_equal(health_slot_info(h, slots[1], &info), -GSLB_ENOTFOUND);
    health_free(h);
}

static void test_apply_over_capacity_fails_and_changes_nothing(void **state)
{
    (void)state;
    health_t *h = registry_new(3);
    test_probe_t first[2] = {tcp_def("a", 80), tcp_def("b", 81)};
    uint32_t s1[2];
    assert_int_equal(test_health_apply(h, first, 2, s1), 0);

    /* Keeps a, drops b, and needs two new slots: b's is not free before
     * the grace period, so only one is. */
    test_probe_t second[3] = {tcp_def("a", 80), tcp_def("c", 82), tcp_def("d", 83)};
    uint32_t s2[3] = {7, 7, 7};
    assert_int_equal(test_health_apply(h, second, 3, s2), -GSLB_ENOSPACE);
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, s1[0], &info), 0);
    assert_string_equal(info.name, "a");
    assert_int_equal(health_slot_info(h, s1[1], &info), 0);
    assert_string_equal(info.name, "b");

    /* One new slot fits; once b's slot is reclaimed, a second one does. */
    test_probe_t third[2] = {tcp_def("a", 80), tcp_def("c", 82)};
    uint32_t s3[2];
    assert_int_equal(test_health_apply(h, third, 2, s3), 0);
    health_slots_reclaim(h);
    assert_int_equal(test_health_apply(h, second, 3, s2), 0);
    health_free(h);
}

static void test_apply_invalid_def_fails_and_changes_nothing(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    test_probe_t good = tcp_def("good", 80);
    uint32_t slot;
    assert_int_equal(test_health_apply(h, &good, 1, &slot), 0);
    test_probe_t bad[2] = {tcp_def("other", 81), tcp_def("no-port", 0)};
    uint32_t slots[2];
    assert_int_equal(test_health_apply(h, bad, 2, slots), -GSLB_EINVAL);
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slot, &info), 0);
    assert_string_equal(info.name, "good");

    test_probe_t exec = test_def(HEALTH_PROBE_EXEC, "no-argv");
    assert_int_equal(test_health_apply(h, &exec, 1, slots), -GSLB_EINVAL);
    test_probe_t zero = tcp_def("zero-interval", 80);
    zero.def.interval_ms = 0;
    assert_int_equal(test_health_apply(h, &zero, 1, slots), -GSLB_EINVAL);
    health_free(h);
}

static test_probe_t http_def(const char *name)
{
    test_probe_t d = test_def(HEALTH_PROBE_HTTP, name);
    test_def_target(&d, "127.0.0.1", 80);
    return d;
}

/* Two probes that read the load figure differently report different
 * figures, so they must not share a slot; a pointer means nothing for text. */
static void test_apply_load_settings_are_part_of_identity(void **state)
{
    (void)state;
    health_t *h = registry_new(8);
    test_probe_t d[6] = {http_def("plain"), http_def("cpu"),   http_def("mem"),
                         http_def("text"),  http_def("text2"), http_def("whole")};
    d[1].def.load_format = HEALTH_LOAD_JSON;
    d[1].def.load_pointer = "/load/cpu";
    d[2].def.load_format = HEALTH_LOAD_JSON;
    d[2].def.load_pointer = "/load/mem";
    d[3].def.load_format = HEALTH_LOAD_TEXT;
    d[4].def.load_format = HEALTH_LOAD_TEXT;
    d[4].def.load_pointer = "/ignored";
    d[5].def.load_format = HEALTH_LOAD_JSON; /* NULL: the whole document, like "" */
    uint32_t slots[6];
    assert_int_equal(test_health_apply(h, d, 6, slots), 0);
    assert_int_not_equal(slots[0], slots[1]);
    assert_int_not_equal(slots[1], slots[2]);
    assert_int_not_equal(slots[0], slots[3]);
    assert_int_not_equal(slots[1], slots[3]);
    assert_int_not_equal(slots[5], slots[0]);
    assert_int_not_equal(slots[5], slots[3]);
    assert_int_equal(slots[3], slots[4]);
    /* "" and NULL are the same pointer. */
    test_probe_t again[6];
    memcpy(again, d, sizeof(again));
    again[5].def.load_pointer = "";
    uint32_t slots2[6];
    assert_int_equal(test_health_apply(h, again, 6, slots2), 0);
    assert_memory_equal(slots, slots2, sizeof(slots));
    health_free(h);
}

static void test_apply_load_only_for_http_with_valid_pointer(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    uint32_t slot;
    test_probe_t tcp = tcp_def("tcp", 80);
    tcp.def.load_format = HEALTH_LOAD_TEXT;
    assert_int_equal(test_health_apply(h, &tcp, 1, &slot), -GSLB_EINVAL);
    test_probe_t bad = http_def("bad-pointer");
    bad.def.load_format = HEALTH_LOAD_JSON;
    bad.def.load_pointer = "/a~2b";
    assert_int_equal(test_health_apply(h, &bad, 1, &slot), -GSLB_EINVAL);
    bad.def.load_pointer = "load";
    assert_int_equal(test_health_apply(h, &bad, 1, &slot), -GSLB_EINVAL);
    bad.def.load_format = (health_load_format_t)7;
    bad.def.load_pointer = NULL;
    assert_int_equal(test_health_apply(h, &bad, 1, &slot), -GSLB_EINVAL);
    test_probe_t https = test_def(HEALTH_PROBE_HTTPS, "https");
    test_def_target(&https, "127.0.0.1", 443);
    https.def.load_format = HEALTH_LOAD_JSON;
    https.def.load_pointer = "/a~0b~1c/0";
    assert_int_equal(test_health_apply(h, &https, 1, &slot), 0);
    health_free(h);
}

static void test_load_pointer_syntax(void **state)
{
    (void)state;
    assert_null(health_load_pointer_problem(NULL));
    assert_null(health_load_pointer_problem(""));
    assert_null(health_load_pointer_problem("/"));
    assert_null(health_load_pointer_problem("/a/b/0"));
    assert_null(health_load_pointer_problem("/~0~1/x~01"));
    assert_non_null(health_load_pointer_problem("a"));
    assert_non_null(health_load_pointer_problem("#/a"));
    assert_non_null(health_load_pointer_problem("/a~"));
    assert_non_null(health_load_pointer_problem("/a~2"));
    assert_non_null(health_load_pointer_problem("/~/x"));
}

/* What the slot held before says nothing about the def that gets it next; a
 * removed probe's slot is reused only after it is reclaimed. */
static void test_apply_reused_slot_starts_in_new_def_state(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    test_probe_t d = tcp_def("a", 80);
    d.def.is_initially_up = false;
    uint32_t slot, again;
    assert_int_equal(test_health_apply(h, &d, 1, &slot), 0);
    assert_false(health_slot_is_up(h, slot));
    assert_int_equal(test_health_apply(h, &d, 1, &again), 0);
    assert_int_equal(again, slot);
    assert_false(health_slot_is_up(h, slot));
    test_probe_t other = tcp_def("b", 81);
    assert_int_equal(test_health_apply(h, &other, 1, &again), 0);
    assert_int_not_equal(again, slot);
    assert_false(health_slot_is_up(h, slot));
    health_slots_reclaim(h);
    test_probe_t both[2] = {other, tcp_def("c", 82)};
    uint32_t slots[2];
    assert_int_equal(test_health_apply(h, both, 2, slots), 0);
    assert_int_equal(slots[1], slot);
    assert_true(health_slot_is_up(h, slots[1]));
    health_free(h);
}

static void test_free_and_unknown_slots_are_up(void **state)
{
    (void)state;
    health_t *h = registry_new(2);
    assert_true(health_slot_is_up(h, 0));
    assert_true(health_slot_is_up(h, HEALTH_SLOT_NONE));
    assert_true(health_slot_is_up(h, 5));
    assert_true(health_slot_is_up(NULL, 0));
    health_free(h);
}

static void test_names_for_reasons_types_and_overrides(void **state)
{
    (void)state;
    assert_string_equal(health_reason_name(HEALTH_REASON_TIMEOUT), "timeout");
    assert_string_equal(health_reason_name(HEALTH_REASON_STATUS), "status");
    assert_string_equal(health_reason_name(HEALTH_REASON_COUNT), "unknown");
    assert_string_equal(health_probe_type_name(HEALTH_PROBE_HTTPS), "https");
    assert_string_equal(health_admin_name(HEALTH_ADMIN_FORCE_DOWN), "force-down");
}

/* With the thread running: a file probe (no network) turns a slot down;
 * a reload with the same def keeps the slot, the state and the counters. */
static void test_reload_after_start_keeps_state_and_counters(void **state)
{
    (void)state;
    char *dir = test_tmpdir_new();
    assert_non_null(dir);
    char *path = test_path(dir, "state");
    assert_true(test_write_file(path, "web1 down\n"));

    test_probe_t d = test_def(HEALTH_PROBE_FILE, "web1 (file)");
    d.def.file_path = path;
    d.file_key = "web1";
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_false(health_slot_is_up(h, slot));
    uint64_t probes = info.probes;

    test_probe_t both[2] = {d, d};
    both[1].name = "web2 (file)";
    both[1].file_key = "web2";
    uint32_t slots[2];
    assert_int_equal(test_health_apply(h, both, 2, slots), 0);
    assert_int_equal(slots[0], slot);
    assert_false(health_slot_is_up(h, slot));
    assert_int_equal(health_slot_info(h, slot, &info), 0);
    assert_false(info.is_up);
    assert_true(info.probes >= probes);
    assert_int_equal(info.last_reason, HEALTH_REASON_FILE);

    health_stats_t st;
    assert_int_equal(health_stats_get(h, &st), 0);
    assert_true(st.probes >= probes);
    uint64_t in_buckets = 0;
    for (size_t i = 0; i < HEALTH_LATENCY_BUCKETS; i++) {
        in_buckets += st.latency_count[i];
    }
    assert_int_equal(in_buckets, st.probes);
    assert_int_equal(st.failures[HEALTH_REASON_FILE], st.probe_failures);
    assert_true(st.state_changes >= 1);

    health_free(h);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}

/* A fleet's verdict is what workers read; NONE gives the slot back to its probe. */
static void test_shared_verdict_overrides_probe_until_cleared(void **state)
{
    (void)state;
    health_t *h = registry_new(4);
    test_probe_t d = tcp_def("us-east/a", 80);
    health_target_t t = test_target(&d);
    t.fleet_key = "us-east/192.0.2.1";
    uint32_t slot;
    assert_int_equal(health_apply(h, &t, 1, &slot), 0);
    assert_true(health_slot_is_up(h, slot));
    uint64_t gen = health_generation(h);
    assert_int_equal(health_slot_set_shared(h, slot, HEALTH_SHARED_DOWN), 0);
    assert_false(health_slot_is_up(h, slot));
    assert_true(health_generation(h) > gen);
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slot, &info), 0);
    assert_true(info.is_up); /* the probe's own state is kept */
    assert_int_equal(info.shared, HEALTH_SHARED_DOWN);
    assert_int_equal(health_slot_set_shared(h, slot, HEALTH_SHARED_UP), 0);
    assert_true(health_slot_is_up(h, slot));
    assert_int_equal(health_slot_set_shared(h, slot, HEALTH_SHARED_DOWN), 0);
    assert_int_equal(health_slot_set_shared(h, slot, HEALTH_SHARED_NONE), 0);
    assert_true(health_slot_is_up(h, slot));
    assert_int_equal(health_slot_set_shared(h, 3, HEALTH_SHARED_DOWN), -GSLB_ENOTFOUND);
    health_free(h);
}

/* Equal targets with different fleet keys get their own slots, and the list has both keys. */
static void test_fleet_keys_split_slots_and_are_listed(void **state)
{
    (void)state;
    health_t *h = registry_new(4);
    test_probe_t d[3] = {tcp_def("a", 80), tcp_def("b", 80), tcp_def("c", 81)};
    health_target_t t[3] = {test_target(&d[0]), test_target(&d[1]), test_target(&d[2])};
    t[0].fleet_key = "dc1/192.0.2.1";
    t[1].fleet_key = "dc2/192.0.2.1";
    uint32_t slots[3];
    assert_int_equal(health_apply(h, t, 3, slots), 0);
    assert_int_not_equal(slots[0], slots[1]);
    health_slot_ref_t *list;
    size_t n = health_slots_list(h, &list);
    assert_int_equal(n, 2);
    bool seen1 = false, seen2 = false;
    for (size_t i = 0; i < n; i++) {
        seen1 |= strcmp(list[i].fleet_key, "dc1/192.0.2.1") == 0 && list[i].slot == slots[0];
        seen2 |= strcmp(list[i].fleet_key, "dc2/192.0.2.1") == 0 && list[i].slot == slots[1];
        assert_false(list[i].has_result);
    }
    assert_true(seen1 && seen2);
    health_slots_list_free(list, n);
    health_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_equal_defs_share_one_slot),
        cmocka_unit_test(test_apply_name_does_not_change_identity),
        cmocka_unit_test(test_apply_none_gets_slot_none_and_is_up),
        cmocka_unit_test(test_apply_initial_state_follows_def),
        cmocka_unit_test(test_apply_reload_keeps_unchanged_and_frees_removed),
        cmocka_unit_test(test_apply_removed_slot_is_not_reused_before_reclaim),
        cmocka_unit_test(test_apply_removing_everything_frees_all_slots),
        cmocka_unit_test(test_apply_over_capacity_fails_and_changes_nothing),
        cmocka_unit_test(test_apply_invalid_def_fails_and_changes_nothing),
        cmocka_unit_test(test_apply_load_settings_are_part_of_identity),
        cmocka_unit_test(test_apply_load_only_for_http_with_valid_pointer),
        cmocka_unit_test(test_load_pointer_syntax),
        cmocka_unit_test(test_apply_reused_slot_starts_in_new_def_state),
        cmocka_unit_test(test_free_and_unknown_slots_are_up),
        cmocka_unit_test(test_names_for_reasons_types_and_overrides),
        cmocka_unit_test(test_reload_after_start_keeps_state_and_counters),
        cmocka_unit_test(test_shared_verdict_overrides_probe_until_cleared),
        cmocka_unit_test(test_fleet_keys_split_slots_and_are_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
