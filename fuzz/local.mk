# libFuzzer targets (fuzz/*.c). They need clang and -fsanitize=fuzzer, while the project is
# built by the configured compiler, so `make fuzz` runs fuzz/build.sh: a copy of the tracked
# files in fuzz/build, configured with CC=clang and the sanitizers' instrumentation, where
# these EXTRA_PROGRAMS are linked with FUZZ_LINK=-fsanitize=fuzzer,address,undefined.
# They are never built by `make` or `make check` here.
FUZZ_LINK =
FUZZ_LIBS = $(GSLBD_CORE_LIBS)

EXTRA_PROGRAMS += fuzz/query fuzz/zone fuzz/conf
fuzz_query_SOURCES = fuzz/query.c
fuzz_query_LDFLAGS = $(FUZZ_LINK)
fuzz_query_LDADD = $(FUZZ_LIBS)
fuzz_zone_SOURCES = fuzz/zone.c
fuzz_zone_LDFLAGS = $(FUZZ_LINK)
fuzz_zone_LDADD = $(FUZZ_LIBS)
fuzz_conf_SOURCES = fuzz/conf.c
fuzz_conf_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/conf
fuzz_conf_LDFLAGS = $(FUZZ_LINK)
fuzz_conf_LDADD = $(FUZZ_LIBS)

.PHONY: fuzz
fuzz:
	$(srcdir)/fuzz/build.sh

dist_noinst_SCRIPTS += fuzz/build.sh scripts/fuzz.sh fuzz/mkseeds.py
