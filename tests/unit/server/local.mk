# Unit tests for the server module: real sockets on loopback only.
check_PROGRAMS += tests/unit/server/test_server_io
TESTS += tests/unit/server/test_server_io
tests_unit_server_test_server_io_SOURCES = tests/unit/server/test_server_io.c
tests_unit_server_test_server_io_CFLAGS = $(TEST_CFLAGS)
tests_unit_server_test_server_io_LDADD = src/server/libserver.a src/util/libutil.a \
	$(LIBEVENT_LIBS) $(URCU_LIBS) $(TEST_LIBS)
