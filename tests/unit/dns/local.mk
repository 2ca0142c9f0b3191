# unit tests for dns
check_PROGRAMS += tests/unit/dns/test_dns_parse
TESTS += tests/unit/dns/test_dns_parse
tests_unit_dns_test_dns_parse_SOURCES = tests/unit/dns/test_dns_parse.c tests/unit/dns/dns_test.h
tests_unit_dns_test_dns_parse_CFLAGS = $(TEST_CFLAGS)
tests_unit_dns_test_dns_parse_LDADD = src/dns/libdns.a src/util/libutil.a $(TEST_LIBS)

check_PROGRAMS += tests/unit/dns/test_dns_parse_opt
TESTS += tests/unit/dns/test_dns_parse_opt
tests_unit_dns_test_dns_parse_opt_SOURCES = tests/unit/dns/test_dns_parse_opt.c \
	tests/unit/dns/dns_test.h
tests_unit_dns_test_dns_parse_opt_CFLAGS = $(TEST_CFLAGS)
tests_unit_dns_test_dns_parse_opt_LDADD = src/dns/libdns.a src/util/libutil.a $(TEST_LIBS)

check_PROGRAMS += tests/unit/dns/test_dns_write
TESTS += tests/unit/dns/test_dns_write
tests_unit_dns_test_dns_write_SOURCES = tests/unit/dns/test_dns_write.c
tests_unit_dns_test_dns_write_CFLAGS = $(TEST_CFLAGS)
tests_unit_dns_test_dns_write_LDADD = src/dns/libdns.a src/util/libutil.a $(LDNS_LIBS) $(TEST_LIBS)

check_PROGRAMS += tests/unit/dns/test_dns_wire
TESTS += tests/unit/dns/test_dns_wire
tests_unit_dns_test_dns_wire_SOURCES = tests/unit/dns/test_dns_wire.c
tests_unit_dns_test_dns_wire_CFLAGS = $(TEST_CFLAGS)
tests_unit_dns_test_dns_wire_LDADD = src/dns/libdns.a src/util/libutil.a $(TEST_LIBS)
