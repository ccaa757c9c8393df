-- random.lua — uniform random load balancing.
--
-- Each job goes to a candidate chosen uniformly at random (from the
-- policy's own stream), independently of load.  With n identical M/M/1
-- servers each one sees Poisson arrivals at lambda/n: mean sojourn
-- 1/(mu - lambda/n).
--
-- Parameters: none.
-- Reference: the baseline of Mitzenmacher, "The power of two choices in
-- randomized load balancing", IEEE TPDS 12(10), 2001.

function route(node, job)
  return math.random(sim.candidates(node))
end
