# server module: listen sockets, worker threads, batched UDP, TCP connections.
noinst_LIBRARIES += src/server/libserver.a
src_server_libserver_a_SOURCES = \
	include/gslb/server.h \
	src/server/server_int.h \
	src/server/listen.c \
	src/server/tcp.c \
	src/server/udp.c \
	src/server/worker.c
