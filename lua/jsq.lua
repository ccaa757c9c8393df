-- jsq.lua — join the shortest queue.
--
-- Each job goes to the candidate with the fewest jobs (waiting plus in
-- service); ties are broken uniformly at random from the policy's stream,
-- never by index order.
--
-- Parameters: none.
-- Reference: Winston, "Optimality of the shortest line discipline", J.
-- Applied Probability 14(1), 1977.

local choose = require("choose")
local ids = {}   -- dispatcher -> its candidates' node ids (fixed for a run)

function route(node, job)
  local c = ids[node]
  if not c then
    c = {}
    for i = 1, sim.candidates(node) do c[i] = sim.candidate(node, i) end
    ids[node] = c
  end
  return choose.argmin(#c, function(i) return sim.jobs(c[i]) end)
end
