-- edf.lua — earliest deadline first (non-preemptive).
--
-- The waiting job whose deadline is soonest is served next; jobs without a
-- deadline (their class sets none) come after every job that has one, in
-- arrival order.  A class sets deadlines with "deadline": a distribution of
-- relative deadlines in seconds, added to each job's creation time.
--
-- Parameters: none.
-- Reference: Liu and Layland, "Scheduling algorithms for multiprogramming
-- in a hard-real-time environment", JACM 20(1), 1973.

function rank(node, job)
  return sim.deadline(job)   -- math.huge when the job has none
end
