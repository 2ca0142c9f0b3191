# latency module: tables of measured round-trip times per client prefix and data center.
noinst_LIBRARIES += src/latency/liblatency.a
src_latency_liblatency_a_SOURCES = \
	include/gslb/latency.h \
	src/latency/build.c \
	src/latency/compile.c \
	src/latency/csv.c \
	src/latency/fields.c \
	src/latency/json.c \
	src/latency/json_pos.c \
	src/latency/latency_int.h \
	src/latency/parse.c
