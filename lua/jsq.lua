-- jsq.lua — join the shortest queue.
--
-- Each job goes to the candidate with the fewest jobs (waiting plus in
-- service); ties are broken uniformly at random from the policy's stream,
-- never by index order.
--
-- Parameters: none.
-- Reference: Winston, "Optimality of the shortest line discipline", J.
-- Applied Probability 14(1), 1977.

function route(node, job)
  return sim.least(node, "jobs")   -- over the node's candidates, in C
end
