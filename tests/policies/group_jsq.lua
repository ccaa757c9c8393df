-- group_jsq.lua - join the shortest queue over sim.group("W") rather than
-- the router's candidates (tests/check_policy.c: where the candidates are
-- the group, in order, the results are lua/jsq.lua's to the byte).
local W = sim.group("W")
assert(#W == 10 and sim.node_name(W[1]) == "W1" and sim.node_name(W[10]) == "W10")
assert(sim.group("nosuch") == nil and sim.group("W1") == nil)
local least = sim.least

function route(node, job)
  return least(W, "jobs")
end
