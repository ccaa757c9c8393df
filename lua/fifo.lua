-- fifo.lua — first in, first out.
--
-- Ranks each job by its arrival time at the node, so the node's queue is
-- ordered by arrival (ties keep arrival order).  This is exactly what a node
-- does with no policy at all; the file exists as the reference point that
-- proves the Lua bridge changes nothing (same seed, byte-identical results)
-- and as the smallest example of a discipline.
--
-- `now` is sim.now kept in a local: a hook called on every job then skips
-- two table lookups (the global `sim`, then its field) on each call.
--
-- Parameters: none.
-- Reference: the default discipline of every queueing text (Kleinrock,
-- Queueing Systems vol. 1, 1975).

local now = sim.now

function rank(node, job)
  return now()
end
