# query module: answering one query from the published snapshot (see src/snapshot/).
noinst_LIBRARIES += src/query/libquery.a
src_query_libquery_a_SOURCES = \
	include/gslb/query.h \
	src/query/query_int.h \
	src/query/answer.c \
	src/query/limit.c \
	src/query/sign.c \
	src/query/stats.c
