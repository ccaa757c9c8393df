-- tries to replace the sim module's functions
function admit(node, job)
  setmetatable(sim, {})
  return true
end
