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
  local n = sim.candidates(node)
  local best, nbest, ties = nil, math.huge, 0
  for i = 1, n do
    local q = sim.jobs(sim.candidate(node, i))
    if q < nbest then
      best, nbest, ties = i, q, 1
    elseif q == nbest then
      ties = ties + 1
      if math.random(ties) == 1 then best = i end  -- reservoir: uniform among ties
    end
  end
  return best
end
