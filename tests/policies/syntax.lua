-- a policy with a syntax error on line 3
function rank(node, job)
  return sim.now(
end
