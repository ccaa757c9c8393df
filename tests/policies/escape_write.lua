-- tries to add a field to the sim module
function admit(node, job)
  sim.clock = function() return 0 end
  return true
end
