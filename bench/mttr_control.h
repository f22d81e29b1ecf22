/*  mttr_control.h — bench/mttr's control round trips (mttr_control.c). */
#ifndef FEDSOAR_BENCH_MTTR_CONTROL_H
#define FEDSOAR_BENCH_MTTR_CONTROL_H

/* Starts fedsoar-broker on store (keys made once in dir/keys, its log in
   dir/broker.log), times fedsoarctl stats and metrics --by-site 7d and 90d
   (a process each, alternating), prints p50/p99, stops the broker. The
   store must not be open in this process. 0 or -1. */
int mttr_control_round_trips(const char *dir, const char *store);

#endif
