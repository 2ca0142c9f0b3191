# snapshot module: the load path, from the configuration file to a snapshot workers read.
noinst_LIBRARIES += src/snapshot/libsnapshot.a
src_snapshot_libsnapshot_a_SOURCES = \
	include/gslb/snapshot.h \
	src/snapshot/snapshot_int.h \
	src/snapshot/limits.c \
	src/snapshot/load.c \
	src/snapshot/probes.c \
	src/snapshot/publish.c \
	src/snapshot/reload.c \
	src/snapshot/zones.c
