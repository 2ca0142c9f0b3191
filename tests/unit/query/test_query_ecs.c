/* Unit tests for the ECS scope query_answer returns (RFC 7871 sections 6, 7.1.2 and 7.3.1),
 * sent over UDP and TCP through the server's sockets on 127.0.0.1 and ::1. */
#include "query_test.h"

static const server_transport_t transports[] = {SERVER_UDP, SERVER_TCP};

static const uint8_t geo_name[] = "\003geo\001e\004test";
static const uint8_t fixed_name[] = "\005fixed\001e\004test";
static const uint8_t www_name[] = "\003www\001e\004test";

static const uint8_t dc_a[4] = {192, 0, 2, 1};
static const uint8_t dc_b[4] = {192, 0, 2, 2};
static const uint8_t www_a[4] = {192, 0, 2, 80};

/* What one query is expected to get back. */
typedef struct expect {
    const uint8_t *qname;
    size_t qname_len;
    uint16_t family;          /* the query's ECS option */
    uint8_t source;
    const uint8_t *addr;
    size_t addr_len;
    uint8_t scope;            /* the SCOPE PREFIX-LENGTH wanted */
    const uint8_t *a;         /* the A record wanted */
} expect_t;

/* Send the query from peer_family's loopback over UDP and TCP; each answer must be NOERROR
 * with the A record wanted and the ECS option echoed (FAMILY, SOURCE PREFIX-LENGTH and
 * ADDRESS as sent) with the scope wanted. */
static void expect_scope(const qt_fixture_t *f, int peer_family, const expect_t *e)
{
    if (peer_family == AF_INET6 && f->server6 == NULL) {
        skip(); /* no IPv6 on this host's loopback */
    }
    qt_pkt_t q;
    qt_ecs_query(&q, e->qname, e->qname_len, e->family, e->source, 0, e->addr, e->addr_len);
    for (size_t i = 0; i < 2; i++) {
        uint8_t a[1024];
        size_t n = qt_exchange(f, peer_family, transports[i], &q, a, sizeof(a));
        qt_resp_t r;
        qt_resp_read(a, n, &r);
        assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
        assert_int_equal(r.counts[1], 1);
        assert_int_equal(r.an_type, DNS_TYPE_A);
        assert_int_equal(r.an_rdlen, 4);
        assert_memory_equal(r.an_rdata, e->a, 4);
        uint16_t olen = 0;
        const uint8_t *ecs = qt_resp_ecs(&r, &olen);
        assert_non_null(ecs);
        assert_int_equal(olen, 4 + e->addr_len);
        assert_int_equal(qt_rd16(ecs), e->family);
        assert_int_equal(ecs[2], e->source);
        assert_int_equal(ecs[3], e->scope);
        if (e->addr_len > 0) {
            assert_memory_equal(ecs + 4, e->addr, e->addr_len);
        }
    }
}

/* SOURCE PREFIX-LENGTH 0: decided by the resolver's address, scope in the option's family. */

static void test_ecs_ipv6_source_0_from_ipv4_resolver_gets_scope_128(void **state)
{
    /* Decided on 127.0.0.1 (its /8): no IPv6 prefix describes that, so the full length. */
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV6, 0, NULL, 0, 128, dc_a};
    expect_scope(*state, AF_INET, &e);
}

static void test_ecs_ipv4_source_0_from_ipv4_resolver_keeps_resolver_scope(void **state)
{
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV4, 0, NULL, 0, 8, dc_a};
    expect_scope(*state, AF_INET, &e);
}

static void test_ecs_ipv4_source_0_from_ipv6_resolver_gets_scope_32(void **state)
{
    /* Decided on ::1 (its /81): a scope of 81 would exceed what FAMILY 1 allows. */
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV4, 0, NULL, 0, 32, dc_a};
    expect_scope(*state, AF_INET6, &e);
}

static void test_ecs_ipv6_source_0_from_ipv6_resolver_keeps_resolver_scope(void **state)
{
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV6, 0, NULL, 0, 81, dc_a};
    expect_scope(*state, AF_INET6, &e);
}

/* A policy that never looks at the client: scope 0 whatever the families. */
static void test_ecs_ipv6_source_0_failover_service_gets_scope_0(void **state)
{
    expect_t e = {QT_NAME(fixed_name), DNS_ECS_FAMILY_IPV6, 0, NULL, 0, 0, dc_a};
    expect_scope(*state, AF_INET, &e);
}

/* Zone data is the same for every client. */
static void test_ecs_ipv6_source_0_zone_data_gets_scope_0(void **state)
{
    expect_t e = {QT_NAME(www_name), DNS_ECS_FAMILY_IPV6, 0, NULL, 0, 0, www_a};
    expect_scope(*state, AF_INET, &e);
}

/* A non-zero SOURCE PREFIX-LENGTH: decided by the option's address, whatever the resolver's
 * family; the scope is the decision's own. */

static void test_ecs_ipv4_source_24_decided_by_option_address(void **state)
{
    static const uint8_t addr[] = {10, 1, 2};
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV4, 24, addr, sizeof(addr), 2, dc_b};
    expect_scope(*state, AF_INET6, &e);
}

static void test_ecs_ipv6_source_48_decided_by_option_address(void **state)
{
    static const uint8_t addr[] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01};
    expect_t e = {QT_NAME(geo_name), DNS_ECS_FAMILY_IPV6, 48, addr, sizeof(addr), 3, dc_b};
    expect_scope(*state, AF_INET, &e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecs_ipv6_source_0_from_ipv4_resolver_gets_scope_128),
        cmocka_unit_test(test_ecs_ipv4_source_0_from_ipv4_resolver_keeps_resolver_scope),
        cmocka_unit_test(test_ecs_ipv4_source_0_from_ipv6_resolver_gets_scope_32),
        cmocka_unit_test(test_ecs_ipv6_source_0_from_ipv6_resolver_keeps_resolver_scope),
        cmocka_unit_test(test_ecs_ipv6_source_0_failover_service_gets_scope_0),
        cmocka_unit_test(test_ecs_ipv6_source_0_zone_data_gets_scope_0),
        cmocka_unit_test(test_ecs_ipv4_source_24_decided_by_option_address),
        cmocka_unit_test(test_ecs_ipv6_source_48_decided_by_option_address),
    };
    return cmocka_run_group_tests(tests, qt_setup, qt_teardown);
}
