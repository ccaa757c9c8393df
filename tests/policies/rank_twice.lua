-- options.rank and a rank hook: refused at load
options = { preemptive = true, rank = "remaining" }
function rank(node, job) return 0 end
