-- per-class queues, but picks a class that has nothing waiting
options = { per_class = true }
function pick(node)
  return sim.nclasses() + 1
end
