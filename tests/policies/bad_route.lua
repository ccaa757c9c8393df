-- a balancer that returns a candidate that does not exist
function route(node, job)
  return sim.candidates(node) + 5
end
