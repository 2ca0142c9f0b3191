# rrl module: response rate limiting (token buckets in a shared lock-free table).
noinst_LIBRARIES += src/rrl/librrl.a
src_rrl_librrl_a_SOURCES = \
	include/gslb/rrl.h \
	src/rrl/table.c
src_rrl_librrl_a_CFLAGS = $(AM_CFLAGS) $(XXHASH_CFLAGS)
