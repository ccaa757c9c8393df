-- priority.lua — strict priority by the job's priority (larger first).
--
-- Jobs are served highest priority first, FIFO within a priority.  A class
-- sets its jobs' priority with "priority" (a number or a distribution: a fee,
-- say).  Non-preemptive by default; with preemptive = true an arriving job
-- displaces the lowest-priority job in service, which later resumes where
-- it stopped (preemptive-resume).
--
-- Parameters:
--   preemptive  boolean, default false
-- Reference: Cobham, "Priority assignment in waiting line problems",
-- Operations Research 2(1), 1954 (the non-preemptive mean waits).

options = { preemptive = params.preemptive == true }

local priority = sim.priority -- a local: no table lookups on each call (lua/README.md)

function rank(node, job)
  return -priority(job)
end
