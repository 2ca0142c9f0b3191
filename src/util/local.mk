noinst_LIBRARIES += src/util/libutil.a
src_util_libutil_a_SOURCES = \
	include/gslb/util.h \
	src/util/addr.c \
	src/util/alloc.c \
	src/util/diag.c \
	src/util/err.c \
	src/util/log.c
