-- tries to write into the sim module
function admit(node, job)
  sim.now = function() return 0 end
  return true
end
