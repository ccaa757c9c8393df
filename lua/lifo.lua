-- lifo.lua — last in, first out (non-preemptive).
--
-- The most recently arrived waiting job is served next: rank = -arrival time.
-- Jobs arriving at the same instant keep arrival order among themselves.
--
-- Parameters: none.
-- Reference: Kleinrock, Queueing Systems vol. 1 (1975); the mean sojourn
-- of M/G/1-LIFO equals FIFO's, the variance is larger.

function rank(node, job)
  return -sim.now()
end
