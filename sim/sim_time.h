/* sim_time.h - simulated time as an integer count of ticks, and its conversions. */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

/*
 * Simulated time is a signed 64-bit count of ticks (nanoseconds unless the
 * scenario sets another tick).  It is never accumulated in floating point:
 * seconds appear only where a scenario is read or a result is written, so a
 * run's event order cannot depend on rounding drift.
 */
typedef int64_t sim_time;

#define SIM_TIME_MAX INT64_MAX
/* Samples are clamped here so that adding a few of them cannot overflow. */
#define SIM_TIME_SAMPLE_MAX (INT64_C(1) << 61)

/* Seconds to ticks, rounded to nearest and clamped to [0, SIM_TIME_SAMPLE_MAX]. */
static inline sim_time sim_ticks(double seconds, double ticks_per_second)
{
    double t = seconds * ticks_per_second + 0.5;
    if (!(t >= 0.0)) /* also catches NaN */
        return 0;
    if (t >= (double)SIM_TIME_SAMPLE_MAX)
        return SIM_TIME_SAMPLE_MAX;
    return (sim_time)t;
}

static inline double sim_seconds(sim_time t, double ticks_per_second)
{
    return (double)t / ticks_per_second;
}

#endif
