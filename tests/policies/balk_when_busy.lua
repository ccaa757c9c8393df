-- balk_when_busy.lua - a balking decision in a hook: a customer who finds the server busy does not join.
function admit(node, job)
  if sim.jobs(node) > 0 then return "balk" end
  return true
end
