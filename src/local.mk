# The gslbd daemon: links every module's internal library.
sbin_PROGRAMS += src/gslbd
src_gslbd_SOURCES = src/main.c
src_gslbd_LDADD = src/util/libutil.a
