# Unit tests for geo. The MaxMind DB fixtures are generated at check time
# from fixture.spec by tests/tools/mkmmdb.pl (a .mmdb is never committed); the tests find
# them through GEO_FIXTURE_DIR, compiled in as the build directory and
# overridable from the environment.
GEO_TEST_FIXTURES = \
	tests/unit/geo/fixture-city.mmdb \
	tests/unit/geo/fixture-flat.mmdb \
	tests/unit/geo/fixture-flat-text.mmdb
GEO_TEST_CFLAGS = $(TEST_CFLAGS) -DGEO_FIXTURE_DIR='"$(abs_top_builddir)/tests/unit/geo"'
GEO_TEST_LIBS = src/geo/libgeo.a src/util/libutil.a $(MAXMINDDB_LIBS) $(TEST_LIBS) -lm
GEO_MKMMDB = perl $(srcdir)/tests/tools/mkmmdb.pl
GEO_FIXTURE_SPEC = $(srcdir)/tests/unit/geo/fixture.spec

check_PROGRAMS += \
	tests/unit/geo/test_geo_db \
	tests/unit/geo/test_geo_db_copy \
	tests/unit/geo/test_geo_distance \
	tests/unit/geo/test_geo_map \
	tests/unit/geo/test_geo_records \
	tests/unit/geo/test_geo_scope \
	tests/unit/geo/test_geo_tree
TESTS += \
	tests/unit/geo/test_geo_db \
	tests/unit/geo/test_geo_db_copy \
	tests/unit/geo/test_geo_distance \
	tests/unit/geo/test_geo_map \
	tests/unit/geo/test_geo_records \
	tests/unit/geo/test_geo_scope \
	tests/unit/geo/test_geo_tree

tests_unit_geo_test_geo_db_SOURCES = tests/unit/geo/test_geo_db.c
tests_unit_geo_test_geo_db_CFLAGS = $(GEO_TEST_CFLAGS)
tests_unit_geo_test_geo_db_LDADD = $(GEO_TEST_LIBS)
# Built with the program, so they exist before any test runs.
EXTRA_tests_unit_geo_test_geo_db_DEPENDENCIES = $(GEO_TEST_FIXTURES)

# Opens a scratch copy of the city fixture and truncates or rewrites it.
tests_unit_geo_test_geo_db_copy_SOURCES = tests/unit/geo/test_geo_db_copy.c
tests_unit_geo_test_geo_db_copy_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/geo
tests_unit_geo_test_geo_db_copy_CFLAGS = $(GEO_TEST_CFLAGS)
tests_unit_geo_test_geo_db_copy_LDADD = $(GEO_TEST_LIBS)
EXTRA_tests_unit_geo_test_geo_db_copy_DEPENDENCIES = tests/unit/geo/fixture-city.mmdb

tests_unit_geo_test_geo_distance_SOURCES = tests/unit/geo/test_geo_distance.c
tests_unit_geo_test_geo_distance_CFLAGS = $(TEST_CFLAGS)
tests_unit_geo_test_geo_distance_LDADD = $(GEO_TEST_LIBS)

tests_unit_geo_test_geo_map_SOURCES = tests/unit/geo/test_geo_map.c
tests_unit_geo_test_geo_map_CFLAGS = $(TEST_CFLAGS)
tests_unit_geo_test_geo_map_LDADD = $(GEO_TEST_LIBS)

tests_unit_geo_test_geo_scope_SOURCES = tests/unit/geo/test_geo_scope.c
tests_unit_geo_test_geo_scope_CFLAGS = $(TEST_CFLAGS)
tests_unit_geo_test_geo_scope_LDADD = $(GEO_TEST_LIBS)

tests_unit_geo_test_geo_records_SOURCES = tests/unit/geo/test_geo_records.c
tests_unit_geo_test_geo_records_CFLAGS = $(GEO_TEST_CFLAGS)
tests_unit_geo_test_geo_records_LDADD = $(GEO_TEST_LIBS)
EXTRA_tests_unit_geo_test_geo_records_DEPENDENCIES = tests/unit/geo/fixture-city.mmdb

# The property test's database: a few thousand random networks from a fixed
# seed, and the spec it was written from (the test reads the networks' edges).
tests_unit_geo_test_geo_tree_SOURCES = tests/unit/geo/test_geo_tree.c
tests_unit_geo_test_geo_tree_CFLAGS = $(GEO_TEST_CFLAGS)
tests_unit_geo_test_geo_tree_LDADD = $(GEO_TEST_LIBS)
EXTRA_tests_unit_geo_test_geo_tree_DEPENDENCIES = tests/unit/geo/prop.mmdb

tests/unit/geo/prop.spec: $(srcdir)/tests/unit/geo/mkpropspec.pl
	$(AM_V_GEN)$(MKDIR_P) tests/unit/geo && perl $(srcdir)/tests/unit/geo/mkpropspec.pl \
	    --seed 7 --count 3000 $@
tests/unit/geo/prop.mmdb: tests/unit/geo/prop.spec $(srcdir)/tests/tools/mkmmdb.pl
	$(AM_V_GEN)$(GEO_MKMMDB) --schema city tests/unit/geo/prop.spec $@

tests/unit/geo/fixture-city.mmdb: $(GEO_FIXTURE_SPEC) $(srcdir)/tests/tools/mkmmdb.pl
	$(AM_V_GEN)$(MKDIR_P) tests/unit/geo && $(GEO_MKMMDB) --schema city $(GEO_FIXTURE_SPEC) $@
tests/unit/geo/fixture-flat.mmdb: $(GEO_FIXTURE_SPEC) $(srcdir)/tests/tools/mkmmdb.pl
	$(AM_V_GEN)$(MKDIR_P) tests/unit/geo && $(GEO_MKMMDB) --schema flat $(GEO_FIXTURE_SPEC) $@
tests/unit/geo/fixture-flat-text.mmdb: $(GEO_FIXTURE_SPEC) $(srcdir)/tests/tools/mkmmdb.pl
	$(AM_V_GEN)$(MKDIR_P) tests/unit/geo && $(GEO_MKMMDB) --schema flat-text $(GEO_FIXTURE_SPEC) $@

CLEANFILES += $(GEO_TEST_FIXTURES) tests/unit/geo/prop.spec tests/unit/geo/prop.mmdb
EXTRA_DIST += tests/unit/geo/fixture.spec
dist_noinst_SCRIPTS += tests/tools/mkmmdb.pl tests/unit/geo/mkpropspec.pl
