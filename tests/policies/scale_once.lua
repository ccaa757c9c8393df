-- test helper: at the first tick at or after params.at seconds, set the
-- node's workers to params.to (once)
local done = false
function tick(node, now)
  if not done and now >= params.at then
    done = true
    sim.set_workers(node, params.to)
  end
end
