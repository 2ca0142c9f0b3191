# The steering simulator (bench/steer-sim.sh builds and runs it; not part of make check).
EXTRA_PROGRAMS = bench/steer_sim
bench_steer_sim_SOURCES = bench/steer_sim.c
bench_steer_sim_LDADD = $(GSLBD_CORE_LIBS)
CLEANFILES += bench/steer_sim
dist_noinst_SCRIPTS += bench/steer-sim.sh
dist_noinst_SCRIPTS += bench/common.sh
dist_noinst_SCRIPTS += bench/hardening.sh
dist_noinst_SCRIPTS += bench/tcp_lockout.py
dist_noinst_SCRIPTS += bench/fleet.sh
EXTRA_DIST += bench/fleet.py
dist_noinst_SCRIPTS += bench/dnssec.sh
