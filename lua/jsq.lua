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

function route(node, job)
  return choose.argmin(sim.candidates(node), function(i)
    return sim.jobs(sim.candidate(node, i))
  end)
end
