-- least_loaded.lua — send to the least outstanding work.
--
-- Each job goes to the candidate with the least work still to do (the
-- service time left of every job there); ties broken at random.  With exact
-- work this is the "least work left" policy, which for identical servers
-- makes the system behave like one central FIFO queue feeding them.
--
-- Parameters: none.
-- Reference: Harchol-Balter, Performance Modeling and Design of Computer
-- Systems (2013), ch. 24 ("Least-Work-Left").

function route(node, job)
  local n = sim.candidates(node)
  local best, wbest, ties = nil, math.huge, 0
  for i = 1, n do
    local w = sim.work(sim.candidate(node, i))
    if w < wbest then
      best, wbest, ties = i, w, 1
    elseif w == wbest then
      ties = ties + 1
      if math.random(ties) == 1 then best = i end
    end
  end
  return best
end
